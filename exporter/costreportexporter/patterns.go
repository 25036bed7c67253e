package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// The attributes log_budget stamps on each record (annotate: true, or on
// its dedup summaries): the template's stable ID and its text.
const (
	attrTemplateID = "log.record.template_id"
	attrTemplate   = "log.record.template"
)

// patternKey is one log pattern of one service.
type patternKey struct {
	Service    string
	TemplateID string
}

// patternVol is what one stage metered of one pattern in one day.
type patternVol struct {
	Records, Bytes int64
	// Errors counts records at ERROR or above, Debug those below INFO.
	Errors, Debug int64
	// Traced is set once a record carried a trace ID.
	Traced bool
	// Windows counts the dedup windows (of patterns.dedup_window, opened by
	// the first record after the last one closed) the records fell in:
	// what dedup would keep of them, one summary each.
	Windows   int64
	windowEnd int64 // Unix nanoseconds
}

type patternStat struct {
	Template string
	Vol      [2]patternVol // by stageIndex
}

// patternDay is one day's pattern table.
type patternDay struct {
	Stats map[patternKey]*patternStat
	// Overflow is what fell beyond max_patterns; Unannotated the records
	// without a template ID (no log_budget with annotate upstream).
	Overflow    [2]volume
	Unannotated [2]int64
	// First and Last bound when the day saw records (Unix seconds).
	First, Last int64
}

// patternBook tallies log records per service and template, per day of
// the ledger's calendar. Its mutex guards days; it is never held with
// the ledger's (nor taken under it).
type patternBook struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	cal    *calendar
	days   map[int64]*patternDay
}

func newPatternBook(cfg *Config, cal *calendar) *patternBook {
	return &patternBook{max: cfg.Patterns.MaxPatterns, window: cfg.Patterns.DedupWindow, cal: cal, days: map[int64]*patternDay{}}
}

func stageIndex(s Stage) int {
	if s == StageIngested {
		return 0
	}
	return 1
}

// patternRecord is what a batch holds of one pattern (see patternTally).
type patternRecord struct {
	key                           patternKey
	template                      string
	records, bytes, errors, debug int64
	traced                        bool
}

// patternTally gathers a batch's annotated records per run of one
// pattern outside the table's lock, so that the table is updated once per
// run, not per record. Its keys point into the batch's strings (no
// copies); reset drops them before the tally goes back to its pool.
type patternTally struct {
	shells
	recs        []patternRecord
	unannotated int64
}

func newPatternTally() *patternTally {
	return &patternTally{shells: newShells(), recs: make([]patternRecord, 0, 64)}
}

func (t *patternTally) reset() {
	t.shells.reset()
	clear(t.recs)
	t.recs = t.recs[:0]
	t.unannotated = 0
}

// patternMergeWindow bounds the entries a record is compared with: runs
// of one pattern, interleaved with up to three others, merge into one
// entry. An index over the whole batch cost more than it saved: on
// batches with a template per record (BenchmarkCostReportLogsAnnotated)
// it adds a map operation per record, and on log_budget's few templates
// the table's map, asked once per run, costs about the same.
const patternMergeWindow = 4

// record adds lr, of size bytes, to its pattern's entry among the last
// ones, or appends a new entry.
func (t *patternTally) record(service string, lr plog.LogRecord, size int64) {
	id, ok := attrString(lr.Attributes(), attrTemplateID)
	if !ok {
		t.unannotated++
		return
	}
	key := patternKey{Service: service, TemplateID: id}
	var e *patternRecord
	for i := len(t.recs) - 1; i >= max(0, len(t.recs)-patternMergeWindow); i-- {
		if t.recs[i].key == key {
			e = &t.recs[i]
			break
		}
	}
	if e == nil {
		tmpl, _ := attrString(lr.Attributes(), attrTemplate)
		t.recs = append(t.recs, patternRecord{key: key, template: tmpl})
		e = &t.recs[len(t.recs)-1]
	}
	e.records++
	e.bytes += size
	if sev := lr.SeverityNumber(); sev >= plog.SeverityNumberError {
		e.errors++
	} else if sev < plog.SeverityNumberInfo {
		e.debug++
	}
	e.traced = e.traced || !lr.TraceID().IsEmpty()
}

// add meters records at one stage into the day holding now.
func (b *patternBook) add(stage Stage, now time.Time, recs []patternRecord, unannotated int64) {
	si := stageIndex(stage)
	b.mu.Lock()
	defer b.mu.Unlock()
	u := now.Unix()
	start := b.cal.dayStart(u)
	d := b.days[start]
	if d == nil {
		d = &patternDay{Stats: map[patternKey]*patternStat{}, First: u}
		b.days[start] = d
	}
	d.Last = u
	d.Unannotated[si] += unannotated
	for i := range recs {
		r := &recs[i]
		st := d.Stats[r.key]
		if st == nil {
			if len(d.Stats) >= b.max {
				d.Overflow[si].Records += r.records
				d.Overflow[si].Bytes += r.bytes
				continue
			}
			st = &patternStat{Template: strings.Clone(r.template)}
			d.Stats[patternKey{Service: strings.Clone(r.key.Service), TemplateID: strings.Clone(r.key.TemplateID)}] = st
		}
		st.Vol[si].add(r, now.UnixNano(), b.window)
	}
}

// add counts a batch's records of the pattern: one instant, so at most
// one new dedup window.
func (v *patternVol) add(r *patternRecord, now int64, window time.Duration) {
	v.Records += r.records
	v.Bytes += r.bytes
	v.Errors += r.errors
	v.Debug += r.debug
	v.Traced = v.Traced || r.traced
	if now >= v.windowEnd {
		v.Windows++
		v.windowEnd = now + int64(window)
	}
}

// day copies the table of the day starting at start.
func (b *patternBook) day(start int64) (patternDay, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.days[start]
	if d == nil {
		return patternDay{}, false
	}
	c := *d
	c.Stats = make(map[patternKey]*patternStat, len(d.Stats))
	for k, s := range d.Stats {
		cp := *s
		c.Stats[k] = &cp
	}
	return c, true
}

// prune forgets the days keep says no longer need a table: the ledger
// has forgotten them, once written. keep is called without b.mu held.
func (b *patternBook) prune(keep func(start int64) bool) {
	b.mu.Lock()
	starts := make([]int64, 0, len(b.days))
	for start := range b.days {
		starts = append(starts, start)
	}
	b.mu.Unlock()
	for _, start := range starts {
		if !keep(start) {
			b.mu.Lock()
			delete(b.days, start)
			b.mu.Unlock()
		}
	}
}
