package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
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
// that form: it formats back to the same text), or keeps s as text.
func parseTemplateID(s string) templateID {
	if len(s) != 16 {
		return templateID{text: s}
	}
	var v uint64
	for i := 0; i < 16; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return templateID{text: s}
		}
	}
	return templateID{hex: v}
}

// patternRecord is what a batch holds of one pattern (see patternTally).
type patternRecord struct {
	service                       uint32 // index in the tally's services
	id                            templateID
	idText, template              string // point into the batch
	records, bytes, errors, debug int64
	traced                        bool
}

// patternTally gathers a batch's annotated records per run of one
// pattern outside the table's lock, so that the table is updated once per
// run, not per record. Its strings point into the batch's (no copies);
// reset drops them before the tally goes back to its pool.
type patternTally struct {
	shells
	// services are the batch's service names, in order of first sight.
	services    []string
	recs        []patternRecord
	unannotated int64
	// scratch of tables: the day's service tables by services' index.
	scratch []*serviceTable
}

func newPatternTally() *patternTally {
	return &patternTally{shells: newShells(), recs: make([]patternRecord, 0, 64)}
}

func (t *patternTally) reset() {
	t.shells.reset()
	clear(t.services)
	t.services = t.services[:0]
	clear(t.recs)
	t.recs = t.recs[:0]
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

// patternMergeWindow bounds the entries a record is compared with: runs
// of one pattern, interleaved with up to three others, merge into one
// entry. An index over the whole batch cost more than it saved: on
// batches with a template per record (BenchmarkCostReportLogsAnnotated)
// it adds a map operation per record, and on log_budget's few templates
// the table's map, asked once per run, costs about the same.
const patternMergeWindow = 4

// templateAttrs returns a record's template ID and template text in one
// scan of its attributes (log_budget appends both, so a record without
// them is scanned once, whole, as one look-up would).
func templateAttrs(attrs pcommon.Map) (id, template string) {
	for k, v := range attrs.All() {
		switch {
		case len(k) == len(attrTemplateID) && k == attrTemplateID:
			id = valueString(v)
		case len(k) == len(attrTemplate) && k == attrTemplate:
			template = valueString(v)
		}
	}
	return id, template
}

func valueString(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str() // no copy
	}
	return v.AsString()
}

// record adds lr, of size bytes, of the batch's service svc to its
// pattern's entry among the last ones, or appends a new entry.
func (t *patternTally) record(svc uint32, lr plog.LogRecord, size int64) {
	idText, template := templateAttrs(lr.Attributes())
	if idText == "" {
		t.unannotated++
		return
	}
	id := parseTemplateID(idText)
	var e *patternRecord
	for i := len(t.recs) - 1; i >= max(0, len(t.recs)-patternMergeWindow); i-- {
		if r := &t.recs[i]; r.id.hex == id.hex && r.service == svc && r.id.text == id.text {
			e = r
			break
		}
	}
	if e == nil {
		t.recs = append(t.recs, patternRecord{service: svc, id: id, idText: idText, template: template})
		e = &t.recs[len(t.recs)-1]
	}
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
