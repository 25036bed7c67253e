package evidence

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/internal/workload"
)

var update = flag.Bool("update", false, "rewrite testdata/walk.golden")

// variedBatches is traffic of every shape the learner and the tracker
// read: workload traces (client/server and producer/consumer pairs,
// databases, uninstrumented peers, internal spans, failures) split so that
// a trace's spans arrive in several batches, and a batch of odd spans.
func variedBatches() []ptrace.Traces {
	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 11, Services: 24, ErrorRatio: 0.3}).Generate(400)
	batches := workload.Split(traces[:200], 4)
	batches = append(batches, oddSpans())
	return append(batches, workload.Split(traces[200:], 3)...)
}

// oddSpans are the edge cases: no service.name, an empty peer.service
// beside a db.system, a non-string db.system, a producer naming its
// broker whose two consumers arrive first, the same client span twice, a
// client span whose server never comes, a failing child under a failing
// parent in another service, and a server span with no parent.
func oddSpans() ptrace.Traces {
	td := ptrace.NewTraces()
	b := oddBuilder{td: td, trace: pcommon.TraceID{0xee, 1}}
	b.span("", ptrace.SpanKindClient, 1, 0, true).Attributes().PutStr("peer.service", "nowhere")
	b.span("orders", ptrace.SpanKindClient, 2, 0, false).Attributes().PutStr("peer.service", "")
	b.span("orders", ptrace.SpanKindClient, 3, 0, true).Attributes().PutStr("db.system", "postgresql")
	b.span("orders", ptrace.SpanKindClient, 4, 0, false).Attributes().PutInt("db.system", 7)
	b.span("billing", ptrace.SpanKindConsumer, 10, 9, false)
	b.span("audit", ptrace.SpanKindConsumer, 11, 9, true)
	b.span("orders", ptrace.SpanKindProducer, 9, 0, false).Attributes().PutStr("peer.service", "kafka")
	b.span("orders", ptrace.SpanKindClient, 12, 0, true).Attributes().PutStr("peer.service", "stock")
	b.span("orders", ptrace.SpanKindClient, 12, 0, true).Attributes().PutStr("peer.service", "stock")
	b.span("stock", ptrace.SpanKindServer, 13, 12, true)
	b.span("stock", ptrace.SpanKindInternal, 14, 13, true)
	b.span("orders", ptrace.SpanKindClient, 15, 0, false).Attributes().PutStr("peer.service", "mailer")
	b.span("orders", ptrace.SpanKindServer, 16, 0, true)
	return td
}

type oddBuilder struct {
	td    ptrace.Traces
	trace pcommon.TraceID
}

func (b oddBuilder) span(service string, kind ptrace.SpanKind, id, parent uint64, failed bool) ptrace.Span {
	rs := b.td.ResourceSpans().AppendEmpty()
	if service != "" {
		rs.Resource().Attributes().PutStr("service.name", service)
	}
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.SetTraceID(b.trace)
	sp.SetSpanID(spanID(id))
	if parent != 0 {
		sp.SetParentSpanID(spanID(parent))
	}
	sp.SetKind(kind)
	if failed {
		sp.Status().SetCode(ptrace.StatusCodeError)
	}
	return sp
}

func spanID(n uint64) pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}

// observers are a learner with its graph, a tracker and a summarizer, fed
// the same batches.
type observers struct {
	graph   *topology.Graph
	learner *topology.Learner
	learned topology.LearnStats
	tracker *Tracker
	sum     *Summarizer
	batches BatchPool
	noPairs bool // together drops the pairs met across batches
}

func newObservers() *observers {
	g := topology.New(topology.Config{TTL: time.Hour})
	return &observers{
		graph:   g,
		learner: topology.NewLearner(g, topology.LearnerConfig{MaxPending: 5000, PendingTTL: 10 * time.Second}),
		tracker: New(Config{}),
		sum:     NewSummarizer(SummarizerConfig{MaxServices: 1000, MaxEdges: 1000, MaxExemplars: 3}),
	}
}

func (o *observers) add(ls topology.LearnStats) {
	o.learned.Spans += ls.Spans
	o.learned.NewEdges += ls.NewEdges
	o.learned.Overflow += ls.Overflow
	o.learned.EdgeOverflow += ls.EdgeOverflow
	o.learned.Unpaired += ls.Unpaired
	o.learned.VirtualNew += ls.VirtualNew
}

// feed gives observe the batches 3s apart, then lets the pending half-pairs
// expire.
func (o *observers) feed(batches []ptrace.Traces, observe func(o *observers, td ptrace.Traces, at time.Time)) {
	at := t0
	for _, td := range batches {
		observe(o, td, at)
		at = at.Add(3 * time.Second)
	}
	o.add(o.learner.Expire(at.Add(time.Minute)))
}

// separately is the learner's walk, then the tracker's, then the
// summarizer's.
func separately(o *observers, td ptrace.Traces, at time.Time) {
	o.add(o.learner.Observe(td, at))
	o.tracker.Observe(td, at)
	o.sum.Observe(td)
}

// dump is everything the observers hold, as text.
func (o *observers) dump(t *testing.T) string {
	var sb strings.Builder
	snap, err := json.MarshalIndent(o.graph.Snapshot(), "", " ")
	require.NoError(t, err)
	fmt.Fprintf(&sb, "graph %s\nlearned %+v pending %d\n", snap, o.learned, o.learner.Pending())
	fmt.Fprintf(&sb, "tracker %+v\n", o.tracker.Stats())
	for _, svc := range slices.Sorted(maps.Keys(o.tracker.svc)) {
		w := *o.tracker.svc[svc]
		lat, self := w.lat, w.self
		w.lat, w.self = nil, nil
		fmt.Fprintf(&sb, "service %q %+v\n", svc, w)
		if lat != nil {
			fmt.Fprintf(&sb, "  latency mean %.0f seen %d %+v\n", lat.mean, lat.seen, lat.win.buckets)
		}
		if self != nil {
			fmt.Fprintf(&sb, "  self mean %.0f slow %.0f seen %d %+v\n", self.mean, self.slowMean, self.seen, self.win.buckets)
		}
	}
	edges := make([]string, 0, len(o.tracker.edges))
	for k, wp := range o.tracker.edges {
		w := *wp
		lat := w.lat
		w.lat = nil
		line := fmt.Sprintf("edge %q -> %q %+v", k.from, k.to, w)
		if lat != nil {
			line += fmt.Sprintf("\n  latency mean %.0f slow %.0f seen %d %+v", lat.mean, lat.slowMean, lat.seen, lat.win.buckets)
		}
		edges = append(edges, line)
	}
	slices.Sort(edges)
	sb.WriteString(strings.Join(edges, "\n"))
	c, of := o.sum.Take()
	fmt.Fprintf(&sb, "\nsummary overflow %+v\n", of)
	for _, svc := range slices.Sorted(maps.Keys(c.Services)) {
		fmt.Fprintf(&sb, "summary service %q %+v\n", svc, c.Services[svc])
	}
	lines := make([]string, 0, len(c.Edges))
	for e, ec := range c.Edges {
		lines = append(lines, fmt.Sprintf("summary edge %q -> %q %+v", e.From, e.To, ec))
	}
	slices.Sort(lines)
	sb.WriteString(strings.Join(lines, "\n"))
	return sb.String() + "\n"
}

// TestSeparateWalksGolden pins what the learner, the tracker and the
// summarizer make of the varied batches: the graph, the pending pairs,
// every window and every count (testdata/walk.golden, written by the
// walks as they were before they shared one).
func TestSeparateWalksGolden(t *testing.T) {
	o := newObservers()
	o.feed(variedBatches(), separately)
	got := o.dump(t)
	golden := filepath.Join("testdata", "walk.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o600))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

// together is one walk: the learner's, filling a batch that the tracker
// and the summarizer both count, recycled for the next walk.
func together(o *observers, td ptrace.Traces, at time.Time) {
	b := o.batches.Get()
	o.add(o.learner.ObserveWith(td, at, b))
	if o.noPairs {
		b.pairs = b.pairs[:0] // what the separate walks cannot see
	}
	o.tracker.ObserveBatch(b, at)
	o.sum.ObserveBatch(b)
	o.batches.Put(b)
}

// TestOneWalkEqualsSeparateWalks: the learner's walk feeding the evidence
// gives exactly the graph, pending pairs, windows and counts of the
// separate walks, but for the calls whose halves came in two batches,
// which only the learner's pairing store sees (the batch's pairs, left
// out here; TestPairsAcrossBatches).
func TestOneWalkEqualsSeparateWalks(t *testing.T) {
	batches := variedBatches()
	apart, joined := newObservers(), newObservers()
	joined.noPairs = true
	apart.feed(batches, separately)
	joined.feed(batches, together)
	want := apart.dump(t)
	assert.Equal(t, want, joined.dump(t))
	golden, err := os.ReadFile(filepath.Join("testdata", "walk.golden"))
	require.NoError(t, err)
	assert.Equal(t, string(golden), want)
}
