package alertscenario

import (
	"encoding/binary"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Traces walks the topology from its entry services and returns n traces
// with the spans a real deployment would emit: client/server pairs between
// instrumented services, client spans with peer.service and db.system to
// databases, producer spans with peer.service to brokers and consumer spans
// in the broker's consumers. Each trace follows every edge from a node with
// probability 0.6, so a few hundred traces cover the graph.
func Traces(t *Topology, n int, seed uint64) []ptrace.Traces {
	rng := rand.New(rand.NewPCG(seed, 0x5ba7))
	tm := newTiming(seed)
	at := time.Date(2026, 11, 21, 22, 0, 0, 0, time.UTC).UnixNano()
	out := make([]ptrace.Traces, 0, n)
	nodes := t.Nodes()
	for i := range n {
		td := ptrace.NewTraces()
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[:8], uint64(i)+1)
		binary.BigEndian.PutUint64(tid[8:], seed)
		b := &builder{td: td, trace: tid, rng: rng, tm: tm, res: map[string]ptrace.SpanSlice{}}
		// Most traffic enters at the front; some traces start deeper
		// (jobs, consumers), so every node gets visited.
		entry := t.Entry[rng.IntN(len(t.Entry))]
		if rng.IntN(3) == 0 {
			entry = nodes[rng.IntN(len(nodes))]
			if t.Databases[entry] != "" || t.Brokers[entry] {
				entry = t.Entry[0]
			}
		}
		root := b.span(entry, ptrace.SpanKindServer, pcommon.SpanID{})
		b.walk(t, entry, root, at+int64(i)*int64(10*time.Millisecond), 0)
		out = append(out, td)
	}
	return out
}

type builder struct {
	td    ptrace.Traces
	trace pcommon.TraceID
	rng   *rand.Rand
	tm    *timing
	res   map[string]ptrace.SpanSlice
	next  uint64
}

func (b *builder) span(service string, kind ptrace.SpanKind, parent pcommon.SpanID) ptrace.Span {
	spans, ok := b.res[service]
	if !ok {
		rs := b.td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", service)
		spans = rs.ScopeSpans().AppendEmpty().Spans()
		b.res[service] = spans
	}
	s := spans.AppendEmpty()
	b.next++
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], b.next)
	s.SetTraceID(b.trace)
	s.SetSpanID(id)
	s.SetParentSpanID(parent)
	s.SetKind(kind)
	s.SetName(service)
	return s
}

// walk adds svc's calls beneath its span parent, which starts at start,
// and times parent.
func (b *builder) walk(t *Topology, svc string, parent ptrace.Span, start int64, depth int) {
	l := b.tm.layout(start, b.tm.spanSelf(svc, 0))
	defer func() { setTimes(parent, start, l.end()) }()
	if depth > 12 {
		return
	}
	for _, callee := range t.Services[svc] {
		if b.rng.Float64() > 0.6 {
			continue
		}
		at, net := l.next(), b.tm.net()
		switch {
		case t.Databases[callee] != "":
			c := b.span(svc, ptrace.SpanKindClient, parent.SpanID())
			c.Attributes().PutStr("peer.service", callee)
			c.Attributes().PutStr("db.system", t.Databases[callee])
			end, _ := b.tm.call(c, svc, at, net, at+net/2+b.tm.spanSelf(callee, 0), false)
			l.done(end)
		case t.Brokers[callee]:
			p := b.span(svc, ptrace.SpanKindProducer, parent.SpanID())
			p.Attributes().PutStr("peer.service", callee)
			end, _ := b.tm.call(p, svc, at, net, at+net/2+b.tm.spanSelf(callee, 0), false)
			l.done(end)
			for _, consumer := range t.Services[callee] {
				c := b.span(consumer, ptrace.SpanKindConsumer, p.SpanID())
				b.walk(t, consumer, c, end+b.tm.queueDelay(), depth+1)
			}
		default:
			c := b.span(svc, ptrace.SpanKindClient, parent.SpanID())
			c.Attributes().PutStr("peer.service", callee)
			s := b.span(callee, ptrace.SpanKindServer, c.SpanID())
			b.walk(t, callee, s, at+net/2, depth+1)
			end, _ := b.tm.call(c, svc, at, net, int64(s.EndTimestamp()), false)
			l.done(end)
		}
	}
}

// ByService splits td into one Traces per service.name, in first-seen
// order: what a collector receives when each service's SDK exports its own
// spans (the evidence then pairs client and server spans across batches).
func ByService(td ptrace.Traces) []ptrace.Traces {
	var out []ptrace.Traces
	index := map[string]int{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		v, _ := rss.At(i).Resource().Attributes().Get(alertconv.ResourceServiceName)
		j, ok := index[v.Str()]
		if !ok {
			j = len(out)
			index[v.Str()] = j
			out = append(out, ptrace.NewTraces())
		}
		rss.At(i).CopyTo(out[j].ResourceSpans().AppendEmpty())
	}
	return out
}
