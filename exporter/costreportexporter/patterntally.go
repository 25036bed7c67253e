package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"go.opentelemetry.io/collector/pdata/plog"
)

// templateID is a template ID as the pattern table keys it. log_budget
// writes drain's uint64 as 16 lowercase hex digits: parsed once per
// record into hex, comparing and hashing it is one integer. Any other ID
// (another annotator, a hand-set attribute) keeps its text.
type templateID struct {
	hex  uint64
	text string // "" when hex holds the ID
}

// parseTemplateID parses log_budget's form, 16 lowercase hex digits (only
// that form: it formats back to the same text), or keeps s as text. It
// runs once per annotated record, so it checks and converts eight digits
// at a time.
func parseTemplateID(s string) templateID {
	if len(s) != 16 {
		return templateID{text: s}
	}
	hi, ok1 := hex8(s[:8])
	lo, ok2 := hex8(s[8:])
	if !ok1 || !ok2 {
		return templateID{text: s}
	}
	return templateID{hex: hi<<32 | lo}
}

// hex8 converts 8 lowercase hex digits, one per byte of a word (SWAR).
func hex8(s string) (uint64, bool) {
	_ = s[7]
	x := uint64(s[0])<<56 | uint64(s[1])<<48 | uint64(s[2])<<40 | uint64(s[3])<<32 |
		uint64(s[4])<<24 | uint64(s[5])<<16 | uint64(s[6])<<8 | uint64(s[7])
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if x&highs != 0 {
		return 0, false // not ASCII; also keeps the sums below from carrying
	}
	// A byte's high bit, after adding 0x80-c, says whether it is >= c.
	digit := (x + (0x80-'0')*ones) &^ (x + (0x80-'9'-1)*ones)
	letter := (x + (0x80-'a')*ones) &^ (x + (0x80-'f'-1)*ones)
	if (digit|letter)&highs != highs {
		return 0, false
	}
	// '0'-'9' are 0x30-0x39, 'a'-'f' 0x61-0x66: the low nibble, plus 9
	// for a letter (bit 0x40).
	v := x&(0x0f*ones) + (x>>6)&ones*9
	v = (v | v>>4) & 0x00ff00ff00ff00ff
	v = (v | v>>8) & 0x0000ffff0000ffff
	v = (v | v>>16) & 0x00000000ffffffff
	return v, true
}

// patternRecord is what a batch holds of one pattern (see patternTally).
type patternRecord struct {
	service                       uint32 // index in the tally's services
	id                            templateID
	idText, template              string // point into the batch
	records, bytes, errors, debug int64
	traced                        bool
}

// patternTally gathers a batch's annotated records, one entry per pattern
// (in order of first sight), outside the table's lock, so that the table
// is updated once per pattern per batch, not per record. Its strings
// point into the batch's (no copies); reset drops them before the tally
// goes back to its pool.
type patternTally struct {
	shells
	// services are the batch's service names, in order of first sight.
	services    []string
	recs        []patternRecord
	index       patternIndex
	unannotated int64
	// scratch of tables: the day's service tables by services' index.
	scratch []*serviceTable
}

func newPatternTally() *patternTally {
	return &patternTally{shells: newShells(), recs: make([]patternRecord, 0, 64), index: newPatternIndex()}
}

func (t *patternTally) reset() {
	t.shells.reset()
	clear(t.services)
	t.services = t.services[:0]
	clear(t.recs)
	t.recs = t.recs[:0]
	t.index.reset()
	t.unannotated = 0
	clear(t.scratch)
	t.scratch = t.scratch[:0]
}

// service returns the index of name among the batch's services. A batch
// has few services, in resources of one service each: a linear search
// from the last one added is shorter than a map.
func (t *patternTally) service(name string) uint32 {
	for i := len(t.services) - 1; i >= 0; i-- {
		if t.services[i] == name {
			return uint32(i)
		}
	}
	t.services = append(t.services, name)
	return uint32(len(t.services) - 1)
}

// tables looks up (or creates) d's table of each of the batch's services,
// once per batch. The patternBook's mutex must be held.
func (t *patternTally) tables(d *dayTable) []*serviceTable {
	for _, name := range t.services {
		t.scratch = append(t.scratch, d.service(name))
	}
	return t.scratch
}

// record adds lr, of size bytes, of the batch's service svc to its
// pattern's entry. The template text is looked up only for a pattern's
// first record in the batch.
func (t *patternTally) record(svc uint32, lr plog.LogRecord, size int64) {
	idText, ok := attrString(lr.Attributes(), attrTemplateID)
	if !ok {
		t.unannotated++
		return
	}
	id := parseTemplateID(idText)
	pos, slot := t.index.find(t.recs, svc, id)
	if pos < 0 {
		template, _ := attrString(lr.Attributes(), attrTemplate)
		t.recs = append(t.recs, patternRecord{service: svc, id: id, idText: idText, template: template})
		t.index.insert(t.recs, slot)
		pos = len(t.recs) - 1
	}
	e := &t.recs[pos]
	e.records++
	e.bytes += size
	if sev := lr.SeverityNumber(); sev >= plog.SeverityNumberError {
		e.errors++
	} else if sev < plog.SeverityNumberInfo {
		e.debug++
	}
	if !e.traced {
		e.traced = !lr.TraceID().IsEmpty()
	}
}
