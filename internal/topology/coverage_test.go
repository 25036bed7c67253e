package topology

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
)

type tspan struct {
	service string
	span    ptrace.Span
}

// spanIndex lists one trace's spans and indexes them by span ID.
func spanIndex(td ptrace.Traces) ([]tspan, map[pcommon.SpanID]tspan) {
	var all []tspan
	byID := map[pcommon.SpanID]tspan{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sv, _ := rss.At(i).Resource().Attributes().Get(attrServiceName)
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				ts := tspan{sv.Str(), spans.At(k)}
				all = append(all, ts)
				byID[ts.span.SpanID()] = ts
			}
		}
	}
	return all, byID
}

func peerOf(s ptrace.Span) string {
	if v, ok := s.Attributes().Get(attrPeerService); ok {
		return v.Str()
	}
	return ""
}

// traceEdges returns, for one trace, the topology edges it exercises
// (caller -> peer.service, broker -> consumer) and the edges a learner
// pairing its spans should find (client/producer service -> server/consumer
// service, and virtual edges to databases, brokers and unanswered peers).
func traceEdges(td ptrace.Traces) (topo, learnable map[edgeKey]bool) {
	topo, learnable = map[edgeKey]bool{}, map[edgeKey]bool{}
	all, byID := spanIndex(td)
	answered := map[pcommon.SpanID]bool{}
	for _, c := range all {
		s := c.span
		k := s.Kind()
		if k != ptrace.SpanKindServer && k != ptrace.SpanKindConsumer {
			continue
		}
		p, ok := byID[s.ParentSpanID()]
		if !ok || (p.span.Kind() != ptrace.SpanKindClient && p.span.Kind() != ptrace.SpanKindProducer) {
			continue
		}
		answered[p.span.SpanID()] = true
		learnable[edgeKey{p.service, c.service}] = true
		if peer := peerOf(p.span); k == ptrace.SpanKindConsumer && peer != "" {
			topo[edgeKey{peer, c.service}] = true
			learnable[edgeKey{peer, c.service}] = true
		}
	}
	for _, c := range all {
		s := c.span
		peer := peerOf(s)
		if peer == "" || (s.Kind() != ptrace.SpanKindClient && s.Kind() != ptrace.SpanKindProducer) {
			continue
		}
		topo[edgeKey{c.service, peer}] = true
		_, db := s.Attributes().Get(attrDBSystem)
		if db || s.Kind() == ptrace.SpanKindProducer || !answered[s.SpanID()] {
			learnable[edgeKey{c.service, peer}] = true
		}
	}
	return topo, learnable
}

// TestLearnerLearnsEveryEdgeInTheTraces runs the evaluation's generated
// traces through the learner and checks that every edge the traces contain
// is learned; it logs the topology edges no trace exercises (coverage, not
// the learner).
func TestLearnerLearnsEveryEdgeInTheTraces(t *testing.T) {
	demo, err := LoadFile("../../processor/alertcorrelatorprocessor/testdata/otel-demo-topology.yaml")
	require.NoError(t, err)
	for _, c := range []struct {
		tp   *alertscenario.Topology
		seed uint64
	}{
		{alertscenario.Generated(120, 11), 101},
		{alertscenario.Demo(demo), 202},
		{alertscenario.Generated(400, 55), 505},
	} {
		t.Run(c.tp.Name, func(t *testing.T) {
			g := New(Config{MaxEdges: 100000})
			l := NewLearner(g, LearnerConfig{})
			topoCount := map[edgeKey]int{}
			learnable := map[edgeKey]bool{}
			now := time.Date(2026, 11, 21, 23, 0, 0, 0, time.UTC)
			for _, td := range alertscenario.Traces(c.tp, 3000, c.seed) {
				tp, le := traceEdges(td)
				for e := range tp {
					topoCount[e]++
				}
				for e := range le {
					learnable[e] = true
				}
				l.Observe(td, now)
			}
			l.Expire(now.Add(time.Minute))
			learned := map[edgeKey]bool{}
			for _, e := range g.Snapshot().Edges {
				learned[edgeKey{e.From, e.To}] = true
			}
			var lost, never []string
			for e := range learnable {
				if !learned[e] {
					lost = append(lost, e.from+">"+e.to)
				}
			}
			trueEdges, same := 0, 0
			for from, tos := range c.tp.Services {
				for _, to := range tos {
					trueEdges++
					if learned[edgeKey{from, to}] {
						same++
					}
					if topoCount[edgeKey{from, to}] == 0 {
						never = append(never, from+">"+to)
					} else {
						assert.True(t, learned[edgeKey{from, to}], "true edge %s>%s is in %d traces", from, to, topoCount[edgeKey{from, to}])
					}
				}
			}
			sort.Strings(lost)
			sort.Strings(never)
			t.Logf("%s: %d true edges, %d exercised by the traces, %d in none (%v), %d learned as such; %d edges in the traces, %d learned, %d lost",
				c.tp.Name, trueEdges, trueEdges-len(never), len(never), never, same, len(learnable), len(learned), len(lost))
			assert.Empty(t, lost, "edges present in the traces but not learned")
		})
	}
}

// timedBatch is one service's export: its spans of every trace that started
// before the export tick.
type timedBatch struct {
	at time.Time
	td ptrace.Traces
}

// exportBatches splits traces (started every 1/rate seconds from t0) the way
// SDK batch span processors deliver them: each service exports its spans on
// its own tick, every period, at a random phase; so the two halves of a call
// arrive in separate batches, either first, up to one period apart.
func exportBatches(tds []ptrace.Traces, rate float64, period time.Duration, t0 time.Time) []timedBatch {
	rng := rand.New(rand.NewPCG(1, 2))
	phase := map[string]time.Duration{}
	type key struct {
		service string
		tick    int64
	}
	batches := map[key]ptrace.SpanSlice{}
	var out []timedBatch
	for i, td := range tds {
		start := time.Duration(float64(i) / rate * float64(time.Second))
		rss := td.ResourceSpans()
		for r := 0; r < rss.Len(); r++ {
			sv, _ := rss.At(r).Resource().Attributes().Get(attrServiceName)
			ph, ok := phase[sv.Str()]
			if !ok {
				ph = time.Duration(rng.Int64N(int64(period)))
				phase[sv.Str()] = ph
			}
			k := key{sv.Str(), int64((start-ph)/period) + 1}
			spans, ok := batches[k]
			if !ok {
				b := ptrace.NewTraces()
				rs := b.ResourceSpans().AppendEmpty()
				rs.Resource().Attributes().PutStr(attrServiceName, k.service)
				spans = rs.ScopeSpans().AppendEmpty().Spans()
				batches[k] = spans
				out = append(out, timedBatch{t0.Add(ph + time.Duration(k.tick)*period), b})
			}
			rss.At(r).ScopeSpans().At(0).Spans().MoveAndAppendTo(spans)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// With the default bounds, spans of one trace delivered in per-service
// batches up to 5s apart (the SDK batch span processor's default schedule)
// still pair: every edge in the traces is learned, nothing overflows and no
// half expires unpaired.
func TestLearnerPairsAcrossExportBatches(t *testing.T) {
	demo, err := LoadFile("../../processor/alertcorrelatorprocessor/testdata/otel-demo-topology.yaml")
	require.NoError(t, err)
	for _, tp := range []*alertscenario.Topology{alertscenario.Generated(120, 11), alertscenario.Demo(demo)} {
		tds := alertscenario.Traces(tp, 2000, 7)
		learnable := map[edgeKey]bool{}
		for _, td := range tds {
			_, le := traceEdges(td)
			for e := range le {
				learnable[e] = true
			}
		}
		g := New(Config{MaxEdges: 100000})
		l := NewLearner(g, LearnerConfig{})
		var st LearnStats
		t0 := time.Date(2026, 11, 21, 23, 0, 0, 0, time.UTC)
		for _, b := range exportBatches(tds, 200, 5*time.Second, t0) {
			s := l.Observe(b.td, b.at)
			st.Overflow += s.Overflow
			st.Unpaired += s.Unpaired
		}
		st.Unpaired += l.Expire(t0.Add(time.Hour)).Unpaired
		for _, e := range g.Snapshot().Edges {
			delete(learnable, edgeKey{e.From, e.To})
		}
		assert.Empty(t, learnable, "%s: edges in the traces not learned", tp.Name)
		assert.Zero(t, st.Overflow, tp.Name)
		assert.Zero(t, st.Unpaired, tp.Name)
	}
}
