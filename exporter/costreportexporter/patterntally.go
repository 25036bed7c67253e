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

// String is the ID as log_budget wrote it.
func (id templateID) String() string {
	if id.text != "" {
		return id.text
	}
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = "0123456789abcdef"[id.hex&0xf]
		id.hex >>= 4
	}
	return string(b[:])
}

// patternRecord is what a batch holds of one pattern (see patternTally).
// It holds no pointers, so that filling and clearing a batch's entries
// costs the GC no write barriers and no scan: an ID kept as text is in
// the tally's texts, the pattern's first record in its firsts.
type patternRecord struct {
	service uint32 // index in the tally's services
	// text is 1 + the index in the tally's texts of an ID kept as text;
	// 0: hex holds the ID (templateID).
	text                          uint32
	hex                           uint64
	records, bytes, errors, debug int64
	traced                        bool
}

// is says whether r is the entry of svc's pattern id; texts are the
// tally's.
func (r *patternRecord) is(svc uint32, id templateID, texts []string) bool {
	if r.service != svc {
		return false
	}
	if id.text == "" {
		return r.text == 0 && r.hex == id.hex
	}
	return r.text != 0 && texts[r.text-1] == id.text
}

// patternTally gathers a batch's annotated records, one entry per pattern
// (in order of first sight), outside the table's lock, so that the table
// is updated once per pattern per batch, not per record. Its strings
// point into the batch's (no copies); reset drops them before the tally
// goes back to its pool.
type patternTally struct {
	shells
	// services are the batch's service names, in order of first sight;
	// byName indexes them once there are more than linearServices.
	services []string
	byName   map[string]uint32
	// recs are the entries; firsts their patterns' first records (whose
	// template text is read only when the table adds the pattern), texts
	// the IDs kept as text.
	recs        []patternRecord
	firsts      []plog.LogRecord
	texts       []string
	index       patternIndex
	unannotated int64
	// stripTemplates sizes records without log_budget's template
	// attributes (patterns.template_attributes: removed, exported stage).
	stripTemplates bool
	last           lastPattern
	// scratch of tables: the day's service tables by services' index.
	scratch []*serviceTable
}

// lastPattern is the entry of the last annotated record (pos -1: none).
type lastPattern struct {
	svc uint32
	id  string
	pos int
}

func newPatternTally() *patternTally {
	return &patternTally{shells: newShells(), byName: map[string]uint32{}, recs: make([]patternRecord, 0, 64), firsts: make([]plog.LogRecord, 0, 64), index: newPatternIndex(), last: lastPattern{pos: -1}}
}

func (t *patternTally) reset() {
	t.shells.reset()
	clear(t.services)
	t.services = t.services[:0]
	clear(t.byName)
	t.recs = t.recs[:0]
	clear(t.firsts)
	t.firsts = t.firsts[:0]
	clear(t.texts)
	t.texts = t.texts[:0]
	if cap(t.recs) > patternIndexMaxKept/2 { // after a batch of unusually many patterns
		t.recs, t.firsts = make([]patternRecord, 0, 64), make([]plog.LogRecord, 0, 64)
	}
	t.index.reset()
	t.unannotated = 0
	t.last = lastPattern{pos: -1}
	clear(t.scratch)
	t.scratch = t.scratch[:0]
}

// linearServices is how many services a batch holds before service looks
// them up in a map: a gateway's batch may hold hundreds, and a linear
// search per resource would then be quadratic in them.
const linearServices = 16

// service returns the index of name among the batch's services. Most
// batches have few services, in resources of one service each: a linear
// search from the last one added is shorter than a map, until the batch
// holds linearServices of them.
func (t *patternTally) service(name string) uint32 {
	if len(t.services) > linearServices {
		if i, ok := t.byName[name]; ok {
			return i
		}
	} else {
		for i := len(t.services) - 1; i >= 0; i-- {
			if t.services[i] == name {
				return uint32(i)
			}
		}
	}
	t.services = append(t.services, name)
	i := uint32(len(t.services) - 1)
	switch {
	case len(t.services) == linearServices+1:
		for j, s := range t.services {
			t.byName[s] = uint32(j)
		}
	case len(t.services) > linearServices+1:
		t.byName[name] = i
	}
	return i
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
// pattern's entry.
func (t *patternTally) record(svc uint32, lr plog.LogRecord, size int64) {
	idText, ok := attrString(lr.Attributes(), attrTemplateID)
	if !ok {
		t.unannotated++
		return
	}
	e := t.entry(svc, idText, lr)
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

// entry returns the entry of svc's pattern idText, of which lr is a
// record. A run of one pattern skips the parse and the index: its records
// usually share one ID string (log_budget's), which compares by pointer.
func (t *patternTally) entry(svc uint32, idText string, lr plog.LogRecord) *patternRecord {
	if t.last.pos >= 0 && t.last.svc == svc && t.last.id == idText {
		return &t.recs[t.last.pos]
	}
	id := parseTemplateID(idText)
	pos, slot := t.index.find(t.recs, t.texts, svc, id)
	if pos < 0 {
		pos = t.add(svc, id, lr)
		t.index.insert(t.recs, t.texts, slot)
	}
	t.last = lastPattern{svc: svc, id: idText, pos: pos}
	return &t.recs[pos]
}

// add appends the entry of svc's pattern id, first seen in lr, and
// returns its position.
func (t *patternTally) add(svc uint32, id templateID, lr plog.LogRecord) int {
	r := patternRecord{service: svc, hex: id.hex}
	if id.text != "" {
		t.texts = append(t.texts, id.text)
		r.text = uint32(len(t.texts))
	}
	t.recs = append(t.recs, r)
	t.firsts = append(t.firsts, lr)
	return len(t.recs) - 1
}

// id is the template ID of the entry at pos.
func (t *patternTally) id(pos int) templateID {
	if r := &t.recs[pos]; r.text != 0 {
		return templateID{text: t.texts[r.text-1]}
	}
	return templateID{hex: t.recs[pos].hex}
}

// template is the text log_budget stamped beside the ID of the entry at
// pos, on the pattern's first record.
func (t *patternTally) template(pos int) string {
	s, _ := attrString(t.firsts[pos].Attributes(), attrTemplate)
	return s
}
