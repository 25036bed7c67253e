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

// patternRecord is what a batch holds of one pattern, gathered outside
// the lock: consecutive records of a pattern are merged into one entry.
type patternRecord struct {
	key                           patternKey
	template                      string
	records, bytes, errors, debug int64
	traced                        bool
}

// patternMergeWindow bounds the entries a record is compared with: runs
// of one pattern merge into one entry before the table's lock. Wider
// windows cost more than they save on batches with many templates
// (BenchmarkCostReportLogsAnnotated: 32 spent more in comparisons than
// the table's map saved).
const patternMergeWindow = 4

// patternRecords reads the annotated records of ld into out, merged per
// pattern; unannotated counts the rest.
func (k *keyer) patternRecords(ld plog.Logs, out []patternRecord) (_ []patternRecord, unannotated int64) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		service, ok := attrString(rl.Resource().Attributes(), k.keys.ServiceAttribute)
		if !ok {
			service = k.keys.Unknown
		}
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for r := 0; r < lrs.Len(); r++ {
				lr := lrs.At(r)
				id, ok := attrString(lr.Attributes(), attrTemplateID)
				if !ok {
					unannotated++
					continue
				}
				out = mergeRecord(out, patternKey{Service: service, TemplateID: id}, lr)
			}
		}
	}
	return out, unannotated
}

// mergeRecord adds lr to its pattern's entry among the last ones, or
// appends a new entry.
func mergeRecord(out []patternRecord, key patternKey, lr plog.LogRecord) []patternRecord {
	var e *patternRecord
	for i := len(out) - 1; i >= max(0, len(out)-patternMergeWindow); i-- {
		if out[i].key == key {
			e = &out[i]
			break
		}
	}
	if e == nil {
		tmpl, _ := attrString(lr.Attributes(), attrTemplate)
		out = append(out, patternRecord{key: key, template: tmpl})
		e = &out[len(out)-1]
	}
	e.records++
	e.bytes += recordBytes(lr)
	if sev := lr.SeverityNumber(); sev >= plog.SeverityNumberError {
		e.errors++
	} else if sev < plog.SeverityNumberInfo {
		e.debug++
	}
	e.traced = e.traced || !lr.TraceID().IsEmpty()
	return out
}

// recordBytes is the OTLP protobuf size of a record as metered, log_budget's
// annotations included: what the backend receives of it, and what a
// log_budget after this point measures and would drop.
func recordBytes(lr plog.LogRecord) int64 {
	return int64(logSizer.LogRecordSize(lr))
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
