package alertcorrelatorprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/summaryconv"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/metadata"
)

// spanObserver is what a topology_summary connector holds: a learner, a graph
// and a summarizer, taken into one summary at a time.
type spanObserver struct {
	graph   *topology.Graph
	learner *topology.Learner
	sum     *evidence.Summarizer
	since   time.Time
}

func newSpanObserver(at time.Time) *spanObserver {
	g := topology.New(topology.Config{})
	return &spanObserver{graph: g, learner: topology.NewLearner(g, topology.LearnerConfig{}), since: at,
		sum: evidence.NewSummarizer(evidence.SummarizerConfig{MaxServices: 100, MaxEdges: 100, MaxExemplars: 3})}
}

func (o *spanObserver) take(at time.Time) pmetric.Metrics {
	s := summaryconv.Summary{Start: o.since, End: at, Edges: o.graph.Deltas()}
	s.Evidence, _ = o.sum.Take()
	o.since = at
	md := pmetric.NewMetrics()
	summaryconv.Append(md, s)
	return md
}

// addMetrics lists the harness's ID in a metrics pipeline too.
func (h *harness) addMetrics(t *testing.T, next *consumertest.MetricsSink) processor.Metrics {
	t.Helper()
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = h.tel.NewTelemetrySettings()
	mp, err := h.f.createMetrics(context.Background(), set, testCfg(), next)
	require.NoError(t, err)
	require.Len(t, h.f.cores, 1, "the metrics side shares the core")
	return mp
}

// TestSummariesActAsSpans replays TestEvidenceNamesPaymentWithAnExemplar
// with the spans seen by an spanObserver elsewhere: the summaries it sends
// every 10s teach the graph and the evidence, and the fault pages once,
// with payment as the root and the evidence line.
func TestSummariesActAsSpans(t *testing.T) {
	cfg := testCfg()
	cfg.Correlation.GroupWait = 30 * time.Second
	h := newHarness(t, cfg)
	msink := new(consumertest.MetricsSink)
	mp := h.addMetrics(t, msink)
	h.start(t, componenttest.NewNopHost())
	require.NoError(t, mp.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, mp.Shutdown(context.Background())) }()
	defer h.stop(t)

	obs := newSpanObserver(t0)
	var n uint64
	for at := time.Duration(0); at < 6*time.Minute; at += time.Second {
		n++
		td := checkoutTrace(n, at >= 5*time.Minute && n%2 == 0)
		obs.learner.Observe(td, t0.Add(at))
		obs.sum.Observe(td)
		if (at+time.Second)%(10*time.Second) == 0 {
			h.clock.Set(t0.Add(at))
			require.NoError(t, mp.ConsumeMetrics(context.Background(), obs.take(t0.Add(at))))
		}
	}
	assert.Empty(t, msink.AllMetrics(), "summaries are consumed")
	assert.Equal(t, int64(36), counter(t, h.tel, "processor_alert_correlator_summaries_merged"))
	assert.Equal(t, int64(2), counter(t, h.tel, "processor_alert_correlator_topology_edges_learned"))
	snap := h.core.graph.Snapshot()
	require.Len(t, snap.Edges, 2)
	assert.Equal(t, "checkout", snap.Edges[0].From)
	assert.Equal(t, "payment", snap.Edges[0].To)
	assert.Equal(t, uint64(360), snap.Edges[0].Count)

	r := pagePaymentErrors(t, h)
	assert.Len(t, r.attrs[alertconv.AttrIncidentExemplarTraceID], 32)
}

func TestOtherMetricsPassAndBadPointsAreCounted(t *testing.T) {
	h := newHarness(t, testCfg())
	msink := new(consumertest.MetricsSink)
	mp := h.addMetrics(t, msink)

	md := pmetric.NewMetrics()
	g := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	g.SetName("queue.depth")
	g.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(3)
	summaryconv.Append(md, summaryconv.Summary{Start: t0, End: t0, Edges: []topology.EdgeDelta{{From: "a", To: "b", Kind: "rpc", Calls: 1}}})
	bad := md.ResourceMetrics().At(1).ScopeMetrics().At(0).Metrics().AppendEmpty()
	bad.SetName(summaryconv.MetricEdgeCalls)
	bad.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	require.NoError(t, mp.ConsumeMetrics(context.Background(), md))

	require.Len(t, msink.AllMetrics(), 1)
	out := msink.AllMetrics()[0]
	assert.Equal(t, 1, out.MetricCount())
	assert.Equal(t, "queue.depth", out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Name())
	assert.True(t, h.core.graph.HasNode("b"))
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_summary_points_invalid"))
}
