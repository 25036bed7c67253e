package alertcorrelatorprocessor

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/internal/workload"
)

// expectedEdges derives, from whole traces, the edges a learner that sees
// every span must find: client/server and producer/consumer pairs across
// services, and db.system client spans to their peer.
func expectedEdges(traces []workload.Trace) map[string]bool {
	want := map[string]bool{}
	for _, tr := range traces {
		type info struct {
			service string
			kind    ptrace.SpanKind
			peer    string
			db      bool
		}
		spans := map[pcommon.SpanID]info{}
		var children []struct {
			parent  pcommon.SpanID
			service string
			kind    ptrace.SpanKind
		}
		rss := tr.Spans.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			svc, _ := rss.At(i).Resource().Attributes().Get("service.name")
			ss := rss.At(i).ScopeSpans().At(0).Spans()
			for j := 0; j < ss.Len(); j++ {
				s := ss.At(j)
				peer, _ := s.Attributes().Get("peer.service")
				_, db := s.Attributes().Get("db.system")
				spans[s.SpanID()] = info{svc.Str(), s.Kind(), peer.Str(), db}
				children = append(children, struct {
					parent  pcommon.SpanID
					service string
					kind    ptrace.SpanKind
				}{s.ParentSpanID(), svc.Str(), s.Kind()})
			}
		}
		for _, sp := range spans {
			if sp.db {
				want[sp.service+">"+sp.peer] = true
			}
			if sp.kind == ptrace.SpanKindProducer && sp.peer != "" {
				want[sp.service+">"+sp.peer] = true
			}
		}
		for _, c := range children {
			p, ok := spans[c.parent]
			if !ok || (c.kind != ptrace.SpanKindServer && c.kind != ptrace.SpanKindConsumer) {
				continue
			}
			if p.kind == ptrace.SpanKindClient || p.kind == ptrace.SpanKindProducer {
				want[p.service+">"+c.service] = true
			}
		}
	}
	return want
}

func TestLearnsWorkloadTopologyAcrossBatches(t *testing.T) {
	cfg := testCfg()
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())
	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 11, Services: 12}).Generate(300)
	// The spans of each trace arrive in three separate requests.
	for _, td := range workload.Split(traces, 3) {
		require.NoError(t, h.traces.ConsumeTraces(context.Background(), td))
	}
	h.clock.Set(t0.Add(cfg.Topology.PendingTTL + 1))
	h.core.tick(context.Background())

	got := map[string]bool{}
	for _, e := range h.core.graph.Snapshot().Edges {
		got[e.From+">"+e.To] = true
		assert.Equal(t, topology.SourceLearned, e.Source)
	}
	want := expectedEdges(traces)
	require.NotEmpty(t, want)
	for e := range want {
		assert.True(t, got[e], "edge %s not learned", e)
	}
	// Anything beyond the pairs is a virtual edge to a peer.service whose
	// server half the trace cut off.
	assert.Equal(t, workload.Merge(traces).SpanCount(), int(counter(t, h.tel, "processor_alert_correlator_spans_observed")))

	// Alerts on a learned caller and callee: one incident, callee as root.
	// They come after the evidence window: read as recent, the healthy
	// spans would show the callee quiet, and its alert the cause of
	// nothing of its caller's (internal/correlate/gate.go).
	h.clock.Set(t0.Add(cfg.Topology.PendingTTL + cfg.Correlation.EvidenceWindow + 2))
	keys := make([]string, 0, len(want))
	for e := range want {
		keys = append(keys, e)
	}
	slices.Sort(keys)
	caller, callee, _ := strings.Cut(keys[0], ">")
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(
		alertSpec{service: caller, rule: "HighErrorRate", severity: "warning"},
		alertSpec{service: callee, rule: "ServiceDown", severity: "critical"},
	)))
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 1)
	assert.Equal(t, callee, recs[0].attrs[alertconv.AttrIncidentRootService])
	assert.Equal(t, int64(2), recs[0].attrs[alertconv.AttrIncidentAlertCount])
	h.stop(t)
}
