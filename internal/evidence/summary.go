package evidence

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/topology"
)

// Counts is a mergeable summary of what Observe feeds a tracker: per
// service, its spans and the error origins among them; per edge, the calls
// and the failing ones. An observer that sees the spans (a Summarizer)
// builds it; the correlator elsewhere adds it in with Merge, as if it had
// seen the spans itself.
type Counts struct {
	Services map[string]ServiceCounts
	Edges    map[Edge]EdgeCounts
}

// Edge is a caller -> callee pair.
type Edge struct{ From, To string }

// ServiceCounts are one service's spans and error origins, and the spans
// slow on their own.
type ServiceCounts struct {
	Spans, Origins uint64
	// Exemplars are trace IDs of originating spans, the newest last.
	Exemplars []pcommon.TraceID
	// Timed: the observer judged the spans' self times (one older than
	// latency evidence did not, and its summaries say nothing of latency).
	// SlowSelf of the Spans ran slow on their own against the service's
	// usual self time as the observer learned it; SlowExemplars are trace
	// IDs of such spans, the newest last.
	Timed         bool
	SlowSelf      uint64
	SlowExemplars []pcommon.TraceID
}

// EdgeCounts are one edge's calls and failed calls, and (Timed) the calls
// slow against the edge's usual as the observer learned it.
type EdgeCounts struct {
	Calls, Failed uint64
	Timed         bool
	Slow          uint64
}

// SummarizerConfig bounds a Summarizer between two Takes.
type SummarizerConfig struct {
	MaxServices  int // services (and uninstrumented peers) per summary
	MaxEdges     int // edges per summary
	MaxExemplars int // exemplar trace IDs kept per service
}

// Overflow counts observations a Summarizer dropped for its bounds:
// Services and Edges, spans and calls left out of the summary; Usuals,
// usual durations forgotten to make room, and spans and calls not judged
// for slowness because no room was made.
type Overflow struct {
	Services, Edges, Usuals uint64
}

// Summarizer classifies spans exactly as Tracker.Observe does and counts
// them as deltas until the next Take. It judges slowness where it sees
// the durations, against each service's and edge's usual, which it keeps
// from one Take to the next (up to MaxServices and MaxEdges of them, see
// usuals). Safe for concurrent use.
type Summarizer struct {
	cfg       SummarizerConfig
	mu        sync.Mutex
	cur       Counts
	overflow  Overflow
	selfUsual *usuals[string]
	callUsual *usuals[Edge]
}

// NewSummarizer returns an empty summarizer. Its bounds must be positive.
func NewSummarizer(cfg SummarizerConfig) *Summarizer {
	s := &Summarizer{cfg: cfg, selfUsual: newUsuals[string](cfg.MaxServices), callUsual: newUsuals[Edge](cfg.MaxEdges)}
	s.reset()
	return s
}

// usuals keeps the usual durations of up to limit keys across Takes. At
// the bound it forgets the keys not seen in this interval or the previous
// one, as the Tracker forgets silent windows, and if that frees no room it
// refuses the new key until the next Take. Both are counted. Nothing
// turns stale within an interval, so it looks for stale keys at most once
// per interval.
type usuals[K comparable] struct {
	m     map[K]*keptUsual
	limit int
	take  uint64 // intervals ended (Takes) so far
	swept bool   // stale keys already forgotten in this interval
}

// keptUsual is a usual and the interval it was last used in; for a
// service, own says it has sent spans of its own (summaryserves.go).
type keptUsual struct {
	usual
	take uint64
	own  bool
}

func newUsuals[K comparable](limit int) *usuals[K] {
	return &usuals[K]{m: map[K]*keptUsual{}, limit: limit}
}

// of returns k's usual, or nil when there is no room for it; it adds to
// overflow each usual it forgets and a refusal.
func (u *usuals[K]) of(k K, overflow *uint64) *keptUsual {
	if e := u.m[k]; e != nil {
		e.take = u.take
		return e
	}
	if len(u.m) >= u.limit && !u.swept {
		*overflow += u.forgetStale()
	}
	if len(u.m) >= u.limit {
		*overflow++
		return nil
	}
	e := &keptUsual{take: u.take}
	u.m[k] = e
	return e
}

// forgetStale forgets the keys not seen in this interval or the previous
// one and returns how many.
func (u *usuals[K]) forgetStale() uint64 {
	u.swept = true
	n := uint64(0)
	for k, e := range u.m {
		if e.take+1 < u.take {
			delete(u.m, k)
			n++
		}
	}
	return n
}

// nextInterval starts a new interval: keys last seen two ago turn stale.
func (u *usuals[K]) nextInterval() {
	u.take++
	u.swept = false
}

// pushExemplar appends trace to ids, keeping the newest limit.
func pushExemplar(ids []pcommon.TraceID, trace pcommon.TraceID, limit int) []pcommon.TraceID {
	if limit <= 0 {
		return ids
	}
	if len(ids) >= limit {
		ids = ids[1:]
	}
	return append(ids, trace)
}

func (s *Summarizer) reset() {
	s.cur = Counts{Services: map[string]ServiceCounts{}, Edges: map[Edge]EdgeCounts{}}
	s.overflow = Overflow{}
}

// Observe counts a batch of spans; parents and children are matched within
// the batch, as in Tracker.Observe. It returns how many spans it read.
func (s *Summarizer) Observe(td ptrace.Traces) int {
	b := NewBatch(td.SpanCount())
	topology.Walk(td, b)
	return s.ObserveBatch(b)
}

// ObserveBatch counts a batch filled by a walk (Observe's, or the
// learner's). It returns how many spans it read.
func (s *Summarizer) ObserveBatch(batch *Batch) int {
	batch.classify()
	spans := batch.spans
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range spans {
		count(s, &spans[i], batch, 0)
	}
	countPairs(s, batch, 0)
	return len(spans)
}

// Take returns the counts since the previous Take, and what the bounds
// dropped meanwhile, and starts over.
func (s *Summarizer) Take() (Counts, Overflow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, o := s.cur, s.overflow
	s.reset()
	s.selfUsual.nextInterval()
	s.callUsual.nextInterval()
	return c, o
}

// entry returns k's counts so far in m, or false when m holds limit keys
// without k (counted in overflow).
func entry[K comparable, V any](m map[K]V, k K, limit int, overflow *uint64) (V, bool) {
	c, ok := m[k]
	if !ok && len(m) >= limit {
		*overflow++
		return c, false
	}
	return c, true
}

// addOrigin counts a span and judges its self time. Summaries carry no
// durations (d): a correlator fed only summaries reads whether a service
// runs slow from these self-time judgements (summaryquiet.go).
func (s *Summarizer) addOrigin(svc string, own, origin bool, _, self time.Duration, trace pcommon.TraceID, _ int64) {
	c, ok := entry(s.cur.Services, svc, s.cfg.MaxServices, &s.overflow.Services)
	if !ok {
		return
	}
	c.Spans++
	if origin {
		c.Origins++
		c.Exemplars = pushExemplar(c.Exemplars, trace, s.cfg.MaxExemplars)
	}
	// A usual refused now stays refused until the next Take, so the
	// service's spans in this summary are all timed or none.
	if u := s.selfUsual.of(svc, &s.overflow.Usuals); u != nil {
		u.own = u.own || own
		c.Timed = true
		if u.slow(self) {
			c.SlowSelf++
			c.SlowExemplars = pushExemplar(c.SlowExemplars, trace, s.cfg.MaxExemplars)
		}
	}
	s.cur.Services[svc] = c
}

func (s *Summarizer) addEdge(from, to string, failed bool, d time.Duration, _ pcommon.TraceID, _ int64) {
	k := Edge{from, to}
	c, ok := entry(s.cur.Edges, k, s.cfg.MaxEdges, &s.overflow.Edges)
	if !ok {
		return
	}
	c.Calls++
	if failed {
		c.Failed++
	}
	if d > 0 {
		if u := s.callUsual.of(k, &s.overflow.Usuals); u != nil {
			c.Timed = true
			if u.slow(d) {
				c.Slow++
			}
		}
	}
	s.cur.Edges[k] = c
}

// Merge adds counts observed elsewhere into the windows, in the bucket of
// at, as Observe would have added the spans they count. Bounds apply as in
// Observe (overflow counted); the Spans stat grows by the services' spans
// only (Observe counts every span, client spans too). Timed counts fill
// the self-time and call-latency windows (their usual durations stay
// unknown here: the observer judged them). It is MergeInterval of a
// summary whose interval is not known: its services read as on time.
func (t *Tracker) Merge(c Counts, at time.Time) { t.MergeInterval(c, at, at) }

// MergeInterval is Merge of a summary of the interval from start to at:
// its oldest counts arrive that late, and its services' Lag moves toward
// the interval's length (through.go).
func (t *Tracker) MergeInterval(c Counts, start, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(at, t.cfg.Bucket)
	t.lastBatch = max(t.lastBatch, b)
	// By name: at MaxServices or MaxEdges the first ones read are the ones
	// kept, and the same counts must keep the same ones (a map's order
	// changes from run to run).
	for _, svc := range slices.Sorted(maps.Keys(c.Services)) {
		sc := c.Services[svc]
		t.stats.Spans += sc.Spans
		w := t.service(svc, b)
		if w == nil {
			continue
		}
		w.addN(b, clamp32(sc.Spans), clamp32(sc.Origins), t.th)
		w.noteSummary(start, at)
		t.stats.Origins += sc.Origins
		if n := len(sc.Exemplars); n > 0 {
			w.exemplar = sc.Exemplars[n-1]
		}
		if sc.Timed {
			if w.self == nil {
				w.self = newLatency(t.cfg.Buckets)
			}
			w.self.merge(b, sc.Spans, sc.SlowSelf, sc.SlowExemplars, t.th)
			t.stats.SlowSelf += sc.SlowSelf
		}
	}
	for _, e := range slices.SortedFunc(maps.Keys(c.Edges), compareEdges) {
		ec := c.Edges[e]
		w := t.edge(e.From, e.To, b)
		if w == nil {
			continue
		}
		w.addN(b, clamp32(ec.Calls), clamp32(ec.Failed), t.th)
		if ec.Timed {
			w.timed(t.cfg.Buckets).merge(b, ec.Calls, ec.Slow, nil, t.th)
		}
	}
}

// merge adds n spans judged elsewhere, slow of them, into bucket b.
func (l *latency) merge(b int64, n, slow uint64, exemplars []pcommon.TraceID, th thresholds) {
	l.seen = max(l.seen, latencyWarmup) // the observer learned the usual
	l.win.addN(b, clamp32(n), clamp32(slow), th)
	if k := len(exemplars); k > 0 {
		l.exemplar = exemplars[k-1]
	}
}

// compareEdges orders edges by caller, then callee.
func compareEdges(a, b Edge) int {
	return cmp.Or(strings.Compare(a.From, b.From), strings.Compare(a.To, b.To))
}

func clamp32(n uint64) uint32 { return uint32(min(n, math.MaxUint32)) }

// hold holds nothing: a summary counts what its observer saw as it saw it.
func (s *Summarizer) hold(*spanInfo, bool, int64) bool { return false }
