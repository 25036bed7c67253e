package evidence

import (
	"math"
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

// ServiceCounts are one service's spans and error origins.
type ServiceCounts struct {
	Spans, Origins uint64
	// Exemplars are trace IDs of originating spans, the newest last.
	Exemplars []pcommon.TraceID
}

// EdgeCounts are one edge's calls and failed calls.
type EdgeCounts struct {
	Calls, Failed uint64
}

// SummarizerConfig bounds a Summarizer between two Takes.
type SummarizerConfig struct {
	MaxServices  int // services (and uninstrumented peers) per summary
	MaxEdges     int // edges per summary
	MaxExemplars int // exemplar trace IDs kept per service
}

// Overflow counts observations a Summarizer dropped for its bounds.
type Overflow struct {
	Services, Edges uint64
}

// Summarizer classifies spans exactly as Tracker.Observe does and counts
// them as deltas until the next Take. Safe for concurrent use.
type Summarizer struct {
	cfg      SummarizerConfig
	mu       sync.Mutex
	cur      Counts
	overflow Overflow
}

// NewSummarizer returns an empty summarizer. Its bounds must be positive.
func NewSummarizer(cfg SummarizerConfig) *Summarizer {
	s := &Summarizer{cfg: cfg}
	s.reset()
	return s
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
	return len(spans)
}

// Take returns the counts since the previous Take, and what the bounds
// dropped meanwhile, and starts over.
func (s *Summarizer) Take() (Counts, Overflow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, o := s.cur, s.overflow
	s.reset()
	return c, o
}

// addOrigin: summaries carry no durations (d, self), so a correlator fed
// only summaries never reads a service as quiet (Tracker.Quiet) nor sees
// latency originate (Tracker.Slow).
func (s *Summarizer) addOrigin(svc string, origin bool, _, _ time.Duration, trace pcommon.TraceID, _ int64) {
	c, ok := s.cur.Services[svc]
	if !ok && len(s.cur.Services) >= s.cfg.MaxServices {
		s.overflow.Services++
		return
	}
	c.Spans++
	if origin {
		c.Origins++
		if len(c.Exemplars) >= s.cfg.MaxExemplars {
			c.Exemplars = c.Exemplars[1:]
		}
		if s.cfg.MaxExemplars > 0 {
			c.Exemplars = append(c.Exemplars, trace)
		}
	}
	s.cur.Services[svc] = c
}

func (s *Summarizer) addEdge(from, to string, failed bool, _ time.Duration, _ pcommon.TraceID, _ int64) {
	k := Edge{from, to}
	c, ok := s.cur.Edges[k]
	if !ok && len(s.cur.Edges) >= s.cfg.MaxEdges {
		s.overflow.Edges++
		return
	}
	c.Calls++
	if failed {
		c.Failed++
	}
	s.cur.Edges[k] = c
}

// Merge adds counts observed elsewhere into the windows, in the bucket of
// at, as Observe would have added the spans they count. Bounds apply as in
// Observe (overflow counted); the Spans stat grows by the services' spans
// only (Observe counts every span, client spans too).
func (t *Tracker) Merge(c Counts, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(at, t.cfg.Bucket)
	t.lastBatch = max(t.lastBatch, b)
	for svc, sc := range c.Services {
		t.stats.Spans += sc.Spans
		w := t.service(svc, b)
		if w == nil {
			continue
		}
		w.addN(b, clamp32(sc.Spans), clamp32(sc.Origins), t.th)
		t.stats.Origins += sc.Origins
		if n := len(sc.Exemplars); n > 0 {
			w.exemplar = sc.Exemplars[n-1]
		}
	}
	for e, ec := range c.Edges {
		if w := t.edge(e.From, e.To, b); w != nil {
			w.addN(b, clamp32(ec.Calls), clamp32(ec.Failed), t.th)
		}
	}
}

func clamp32(n uint64) uint32 { return uint32(min(n, math.MaxUint32)) }
