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
// spans, which have no child. A send the broker refuses (a failed producer
// span) delivers nothing: its consumers have no span for it, as real
// consumers of a failing broker see fewer messages, not failing ones.
//
// Spans are timed (timing.go). During a latency fault (Fault.Kind
// FaultLatency) the root's self time grows by 0.3-2 s (drawn per fault)
// and nothing fails there; its callers' spans grow through it, and a
// caller's call that outlasts its timeout fails on the caller's side (the
// client span), the failure travelling up with probability Relay, as
// above.
type TraceStream struct {
	t         *Topology
	faults    []Fault
	rng       *rand.Rand
	errorRate float64
	relay     float64
	perTick   int
	seq       uint64
	seed      uint64
	tm        *timing
}

// NewTraceStream returns a stream of perTick traces per call to Tick.
func NewTraceStream(s *Scenario, perTick int, errorRate, relay float64, seed uint64) *TraceStream {
	return &TraceStream{
		t: s.Topology, faults: s.Faults, rng: rand.New(rand.NewPCG(seed, 0x7ace)),
		errorRate: errorRate, relay: relay, perTick: perTick, seed: seed, tm: newTiming(seed),
	}
}

// Tick returns the traces of the instant at.
func (ts *TraceStream) Tick(at time.Time) ptrace.Traces {
	fw := &faultWalk{ts: ts, failing: map[string]bool{}, slow: map[string]int64{}}
	for _, f := range ts.faults {
		if at.Before(f.From) || !at.Before(f.To) {
			continue
		}
		if f.Kind == FaultLatency {
			fw.slow[f.Root] = ts.tm.latencyExtra(f)
		} else {
			fw.failing[f.Root] = true
		}
	}
	td := ptrace.NewTraces()
	nodes := ts.t.Nodes()
	for range ts.perTick {
		ts.seq++
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[:8], ts.seq)
		binary.BigEndian.PutUint64(tid[8:], ts.seed)
		fw.b = &builder{td: td, trace: tid, rng: ts.rng, tm: ts.tm, res: map[string]ptrace.SpanSlice{}}
		entry := ts.t.Entry[ts.rng.IntN(len(ts.t.Entry))]
		if ts.rng.IntN(3) == 0 {
			if n := nodes[ts.rng.IntN(len(nodes))]; ts.t.Databases[n] == "" && !ts.t.Brokers[n] {
				entry = n
			}
		}
		root := fw.b.span(entry, ptrace.SpanKindServer, pcommon.SpanID{})
		start := at.UnixNano() - int64(ts.tm.rng.Int64N(int64(time.Second)))
		below := fw.walk(entry, root, start, 0)
		if below.failed && ts.rng.Float64() < ts.relay || fw.fails(entry) || below.timedOut && ts.tm.rng.Float64() < ts.relay {
			fail(root)
		}
	}
	return td
}

type faultWalk struct {
	ts      *TraceStream
	b       *builder
	failing map[string]bool
	slow    map[string]int64 // latency faults' roots: the self time added
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

// outcome is what a walk beneath a span reports: whether a call failed
// as drawn without durations (failed); whether one failed through a
// timeout (timedOut: a call that timed out, or one that failed because a
// call beneath it did), kept apart so that timeouts do not change the
// draws of error faults; whether a latency fault slowed it (slowed).
type outcome struct{ failed, timedOut, slowed bool }

func (o *outcome) add(p outcome) {
	o.failed, o.timedOut, o.slowed = o.failed || p.failed, o.timedOut || p.timedOut, o.slowed || p.slowed
}

// walk adds svc's calls beneath its span sp, which starts at start, and
// times sp.
func (w *faultWalk) walk(svc string, sp ptrace.Span, start int64, depth int) outcome {
	l := w.ts.tm.layout(start, w.ts.tm.spanSelf(svc, w.slow[svc]))
	defer func() { setTimes(sp, start, l.end()) }()
	o := outcome{slowed: w.slow[svc] > 0}
	if depth > 12 {
		return o
	}
	t := w.ts.t
	for _, callee := range t.Services[svc] {
		if w.b.rng.Float64() > 0.6 {
			continue
		}
		switch {
		case t.Databases[callee] != "":
			o.add(w.store(svc, callee, sp, l))
		case t.Brokers[callee]:
			o.add(w.produce(svc, callee, sp, l, depth))
		default:
			o.add(w.call(svc, callee, sp, l, depth))
		}
	}
	return o
}

// store adds svc's call to the database callee.
func (w *faultWalk) store(svc, callee string, parent ptrace.Span, l *calls) (o outcome) {
	c := w.b.span(svc, ptrace.SpanKindClient, parent.SpanID())
	c.Attributes().PutStr("peer.service", callee)
	c.Attributes().PutStr("db.system", w.ts.t.Databases[callee])
	if w.fails(callee) {
		fail(c)
		o.failed = true
	}
	_, o.slowed, o.timedOut = w.peerCall(c, svc, callee, l)
	return o
}

// peerCall times s, svc's call to the uninstrumented callee (its own time
// on the network), and reports when it ended, whether a latency fault
// slowed it and whether it timed out.
func (w *faultWalk) peerCall(s ptrace.Span, svc, callee string, l *calls) (end int64, slowed, timedOut bool) {
	tm := w.ts.tm
	slowed = w.slow[callee] > 0
	at, net := l.next(), tm.net()
	end, timedOut = tm.call(s, svc, at, net, at+net/2+tm.spanSelf(callee, w.slow[callee]), slowed)
	l.done(end)
	return end, slowed, timedOut
}

// produce adds svc's send to the broker callee and its consumers' spans.
func (w *faultWalk) produce(svc, callee string, parent ptrace.Span, l *calls, depth int) (o outcome) {
	b, tm, relay := w.b, w.ts.tm, w.ts.relay
	p := b.span(svc, ptrace.SpanKindProducer, parent.SpanID())
	p.Attributes().PutStr("peer.service", callee)
	broken := w.fails(callee)
	if broken {
		fail(p)
		o.failed = true
	}
	var end int64
	end, o.slowed, o.timedOut = w.peerCall(p, svc, callee, l)
	if broken {
		// A failed send delivers nothing: no consumer span follows it.
		// The walk still runs, into spans nobody sends, so that the
		// stream's later draws stay those the seeds were frozen with.
		defer w.discard()()
		b = w.b
	}
	for _, consumer := range w.ts.t.Services[callee] {
		c := b.span(consumer, ptrace.SpanKindConsumer, p.SpanID())
		below := w.walk(consumer, c, end+tm.queueDelay(), depth+1)
		if (broken || below.failed) && b.rng.Float64() < relay || w.fails(consumer) || below.timedOut && tm.rng.Float64() < relay {
			fail(c)
		}
	}
	return o
}

// discard points the walk at a builder whose spans are dropped, with the
// same draws and span IDs, until the returned function restores it.
func (w *faultWalk) discard() func() {
	keep := w.b
	w.b = &builder{td: ptrace.NewTraces(), trace: keep.trace, rng: keep.rng, tm: keep.tm, res: map[string]ptrace.SpanSlice{}, next: keep.next}
	return func() { keep.next, w.b = w.b.next, keep }
}

// call adds svc's call to the instrumented callee, and the callee's span.
func (w *faultWalk) call(svc, callee string, parent ptrace.Span, l *calls, depth int) (o outcome) {
	b, tm, relay := w.b, w.ts.tm, w.ts.relay
	c := b.span(svc, ptrace.SpanKindClient, parent.SpanID())
	c.Attributes().PutStr("peer.service", callee)
	s := b.span(callee, ptrace.SpanKindServer, c.SpanID())
	at, net := l.next(), tm.net()
	below := w.walk(callee, s, at+net/2, depth+1)
	o.slowed = below.slowed
	if below.failed && b.rng.Float64() < relay || w.fails(callee) {
		fail(s)
		fail(c)
		o.failed = true
	} else if below.timedOut && tm.rng.Float64() < relay {
		fail(s)
		fail(c)
		o.timedOut = true
	}
	end, out := tm.call(c, svc, at, net, int64(s.EndTimestamp()), o.slowed)
	o.timedOut = o.timedOut || out
	l.done(end)
	return o
}
