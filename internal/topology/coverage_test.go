package topology

import (
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
			trueEdges := 0
			for from, tos := range c.tp.Services {
				for _, to := range tos {
					trueEdges++
					if topoCount[edgeKey{from, to}] == 0 {
						never = append(never, from+">"+to)
					}
				}
			}
			sort.Strings(lost)
			sort.Strings(never)
			t.Logf("%s: %d true edges, %d exercised by the traces, %d never (%v); %d learnable, %d learned, %d lost",
				c.tp.Name, trueEdges, trueEdges-len(never), len(never), never, len(learnable), len(learned), len(lost))
			assert.Empty(t, lost, "edges present in the traces but not learned")
		})
	}
}
