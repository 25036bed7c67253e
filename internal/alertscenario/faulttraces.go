package alertscenario

import (
	"encoding/binary"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TraceStream emits, tick by tick, the traces a deployment of the topology
// sends while the scenario's faults happen: a background error rate of
// 0.5% anywhere, and during a fault the root's spans fail (ErrorRate of
// them, with no failing child: the error originates there), each caller's
// client span fails with the call beneath it, and the caller's own server
// span fails with probability Relay (callers that retry or degrade
// gracefully do not). A database or broker root fails its callers' client
// spans, which have no child. Consumers of a failing broker fail with
// probability Relay.
type TraceStream struct {
	t         *Topology
	faults    []Fault
	rng       *rand.Rand
	errorRate float64
	relay     float64
	perTick   int
	seq       uint64
	seed      uint64
}

// NewTraceStream returns a stream of perTick traces per call to Tick.
func NewTraceStream(s *Scenario, perTick int, errorRate, relay float64, seed uint64) *TraceStream {
	return &TraceStream{
		t: s.Topology, faults: s.Faults, rng: rand.New(rand.NewPCG(seed, 0x7ace)),
		errorRate: errorRate, relay: relay, perTick: perTick, seed: seed,
	}
}

// Tick returns the traces of the instant at.
func (ts *TraceStream) Tick(at time.Time) ptrace.Traces {
	failing := map[string]bool{}
	for _, f := range ts.faults {
		if !at.Before(f.From) && at.Before(f.To) {
			failing[f.Root] = true
		}
	}
	td := ptrace.NewTraces()
	nodes := ts.t.Nodes()
	for range ts.perTick {
		ts.seq++
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[:8], ts.seq)
		binary.BigEndian.PutUint64(tid[8:], ts.seed)
		b := &builder{td: td, trace: tid, rng: ts.rng, res: map[string]ptrace.SpanSlice{}}
		entry := ts.t.Entry[ts.rng.IntN(len(ts.t.Entry))]
		if ts.rng.IntN(3) == 0 {
			if n := nodes[ts.rng.IntN(len(nodes))]; ts.t.Databases[n] == "" && !ts.t.Brokers[n] {
				entry = n
			}
		}
		root := b.span(entry, ptrace.SpanKindServer, pcommon.SpanID{})
		fw := &faultWalk{ts: ts, b: b, failing: failing}
		if fw.walk(entry, root, 0) && ts.rng.Float64() < ts.relay || fw.fails(entry) {
			fail(root)
		}
	}
	return td
}

type faultWalk struct {
	ts      *TraceStream
	b       *builder
	failing map[string]bool
}

// fails draws whether a span of svc fails on its own (the fault, or the
// background rate).
func (w *faultWalk) fails(svc string) bool {
	if w.failing[svc] {
		return w.ts.rng.Float64() < w.ts.errorRate
	}
	return w.ts.rng.Float64() < 0.005
}

func fail(s ptrace.Span) { s.Status().SetCode(ptrace.StatusCodeError) }

// walk adds svc's calls beneath parent and reports whether one failed.
func (w *faultWalk) walk(svc string, parent ptrace.Span, depth int) bool {
	if depth > 12 {
		return false
	}
	t, b := w.ts.t, w.b
	failed := false
	for _, callee := range t.Services[svc] {
		if b.rng.Float64() > 0.6 {
			continue
		}
		switch {
		case t.Databases[callee] != "":
			c := b.span(svc, ptrace.SpanKindClient, parent.SpanID())
			c.Attributes().PutStr("peer.service", callee)
			c.Attributes().PutStr("db.system", t.Databases[callee])
			if w.fails(callee) {
				fail(c)
				failed = true
			}
		case t.Brokers[callee]:
			p := b.span(svc, ptrace.SpanKindProducer, parent.SpanID())
			p.Attributes().PutStr("peer.service", callee)
			broken := w.fails(callee)
			if broken {
				fail(p)
				failed = true
			}
			for _, consumer := range t.Services[callee] {
				c := b.span(consumer, ptrace.SpanKindConsumer, p.SpanID())
				below := w.walk(consumer, c, depth+1)
				if (broken || below) && b.rng.Float64() < w.ts.relay || w.fails(consumer) {
					fail(c)
				}
			}
		default:
			c := b.span(svc, ptrace.SpanKindClient, parent.SpanID())
			c.Attributes().PutStr("peer.service", callee)
			s := b.span(callee, ptrace.SpanKindServer, c.SpanID())
			below := w.walk(callee, s, depth+1)
			if below && b.rng.Float64() < w.ts.relay || w.fails(callee) {
				fail(s)
				fail(c)
				failed = true
			}
		}
	}
	return failed
}
