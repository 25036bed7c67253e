package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"strings"
	"sync"
	"time"
)

// The attributes log_budget stamps on each record (annotate: true, or on
// its dedup summaries): the template's stable ID and its text.
const (
	attrTemplateID = "log.record.template_id"
	attrTemplate   = "log.record.template"
)

// patternKey names one log pattern of one service in a day's report view.
type patternKey struct {
	Service    string
	TemplateID string
}

// patternVol is what one stage metered of one pattern in one day.
// Its JSON form is part of the ledger state (patternstate.go).
type patternVol struct {
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"`
	// Errors counts records at ERROR or above, Debug those below INFO.
	Errors int64 `json:"errors"`
	Debug  int64 `json:"debug"`
	// Traced is set once a record carried a trace ID.
	Traced bool `json:"traced"`
	// Windows counts the dedup windows (of patterns.dedup_window, opened by
	// the first record after the last one closed) the records fell in:
	// what dedup would keep of them, one summary each.
	Windows int64 `json:"windows"`
	// WindowEnd is when the last window closes (Unix nanoseconds).
	WindowEnd int64 `json:"window_end"`
}

type patternStat struct {
	Template string
	Vol      [2]patternVol // by stageIndex
}

// patternDay is a copy of one day's pattern table, for the report.
type patternDay struct {
	Stats map[patternKey]*patternStat
	// Overflow is what fell beyond max_patterns; Unannotated the records
	// without a template ID (no log_budget with annotate upstream).
	Overflow    [2]volume
	Unannotated [2]int64
	// First and Last bound when the day saw records (Unix seconds).
	First, Last int64
}

// dayTable is one day's live pattern table: per service, the patterns
// keyed by their parsed template ID (see templateID), so that a batch's
// runs cost an integer map look-up each, not a hash of two strings.
type dayTable struct {
	services map[string]*serviceTable
	// n counts the patterns held over all services (at most max_patterns).
	n           int
	overflow    [2]volume
	unannotated [2]int64
	first, last int64
}

// serviceTable holds one service's patterns: hex has log_budget's IDs,
// text any other (see templateID).
type serviceTable struct {
	hex  map[uint64]*liveStat
	text map[string]*liveStat
}

// liveStat is a pattern in the live table: its stat and its ID's text.
type liveStat struct {
	patternStat
	id string
}

func newDayTable(first int64) *dayTable {
	return &dayTable{services: map[string]*serviceTable{}, first: first, last: first}
}

// service returns the table of name, created when missing (name is
// cloned: it may point into a batch).
func (d *dayTable) service(name string) *serviceTable {
	st := d.services[name]
	if st == nil {
		st = &serviceTable{hex: map[uint64]*liveStat{}, text: map[string]*liveStat{}}
		d.services[strings.Clone(name)] = st
	}
	return st
}

func (s *serviceTable) get(id templateID) *liveStat {
	if id.text == "" {
		return s.hex[id.hex]
	}
	return s.text[id.text]
}

func (s *serviceTable) each(f func(*liveStat)) {
	for _, st := range s.hex {
		f(st)
	}
	for _, st := range s.text {
		f(st)
	}
}

// put adds a new pattern; its texts are cloned.
func (s *serviceTable) put(id templateID, template string) *liveStat {
	st := &liveStat{patternStat: patternStat{Template: strings.Clone(template)}, id: strings.Clone(id.String())}
	if id.text == "" {
		s.hex[id.hex] = st
	} else {
		s.text[st.id] = st
	}
	return st
}

// patternBook tallies log records per service and template, per day of
// the ledger's calendar. Its mutex guards days; it is never held with
// the ledger's (nor taken under it).
type patternBook struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	cal    *calendar
	days   map[int64]*dayTable
}

func newPatternBook(cfg *Config, cal *calendar) *patternBook {
	return &patternBook{max: cfg.Patterns.MaxPatterns, window: cfg.Patterns.DedupWindow, cal: cal, days: map[int64]*dayTable{}}
}

func stageIndex(s Stage) int {
	if s == StageIngested {
		return 0
	}
	return 1
}

// dayAt returns the table of the day holding u (Unix seconds), created
// when missing, and marks u seen. b.mu must be held.
func (b *patternBook) dayAt(u int64) *dayTable {
	start := b.cal.dayStart(u)
	d := b.days[start]
	if d == nil {
		d = newDayTable(u)
		b.days[start] = d
	}
	d.last = u
	return d
}

// add meters a batch's tally at one stage into the day holding now.
func (b *patternBook) add(stage Stage, now time.Time, t *patternTally) {
	si, nowNano := stageIndex(stage), now.UnixNano()
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.dayAt(now.Unix())
	d.unannotated[si] += t.unannotated
	tables := t.tables(d)
	for i := range t.recs {
		r := &t.recs[i]
		svc := tables[r.service]
		st := svc.get(t.id(i))
		if st == nil {
			if d.n >= b.max {
				d.overflow[si].Records += r.records
				d.overflow[si].Bytes += r.bytes
				continue
			}
			st = svc.put(t.id(i), t.template(i))
			d.n++
		}
		st.Vol[si].add(r, nowNano, b.window)
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
	if now >= v.WindowEnd {
		v.Windows++
		v.WindowEnd = now + int64(window)
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
	c := patternDay{Stats: make(map[patternKey]*patternStat, d.n), Overflow: d.overflow,
		Unannotated: d.unannotated, First: d.first, Last: d.last}
	for name, svc := range d.services {
		svc.each(func(s *liveStat) {
			cp := s.patternStat
			c.Stats[patternKey{Service: name, TemplateID: s.id}] = &cp
		})
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
