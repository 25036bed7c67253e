package topologyconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/connector/topologyconnector/internal/metadatatest"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/summaryconv"
	"github.com/quell-otel/quell/internal/topology"
)

var (
	t0    = time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)
	chain = []string{"frontend", "checkout", "payment"}
)

// clock is a settable time source.
type clock struct{ at time.Time }

func (c *clock) now() time.Time { return c.at }

func newTest(t *testing.T, cfg *Config) (*summaryConnector, *consumertest.MetricsSink, *clock, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.MetricsSink)
	clk := &clock{at: t0}
	c, err := newConnector(metadatatest.NewSettings(tel), cfg, sink, clk.now)
	require.NoError(t, err)
	return c, sink, clk, tel
}

// TestSummaryCarriesGraphAndEvidence: three calls through the chain, two
// failing at payment, make one summary with the edges, the calls, and the
// errors originating in payment with their trace IDs.
func TestSummaryCarriesGraphAndEvidence(t *testing.T) {
	c, sink, clk, tel := newTest(t, createDefaultConfig().(*Config))
	ctx := context.Background()
	for n := range uint64(3) {
		require.NoError(t, c.ConsumeTraces(ctx, alertscenario.ChainTraces(chain, 1, n, t0, func(k uint64) bool { return k > 0 })))
	}
	clk.at = t0.Add(10 * time.Second)
	c.emit(ctx)
	c.emit(ctx) // nothing new: nothing sent
	require.Len(t, sink.AllMetrics(), 1)
	got, invalid := summaryconv.Take(sink.AllMetrics()[0])
	require.Zero(t, invalid)
	require.Len(t, got, 1)
	s := got[0]
	assert.Equal(t, t0, s.Start)
	assert.Equal(t, clk.at, s.End)
	assert.Equal(t, []topology.EdgeDelta{
		{From: "checkout", To: "payment", Kind: topology.KindRPC, Calls: 3},
		{From: "frontend", To: "checkout", Kind: topology.KindRPC, Calls: 3},
	}, s.Edges)
	assert.Equal(t, map[evidence.Edge]evidence.EdgeCounts{
		{From: "frontend", To: "checkout"}: {Calls: 3, Failed: 2, Timed: true},
		{From: "checkout", To: "payment"}:  {Calls: 3, Failed: 2, Timed: true},
	}, s.Evidence.Edges)
	pay := s.Evidence.Services["payment"]
	assert.Equal(t, uint64(3), pay.Spans)
	assert.Equal(t, uint64(2), pay.Origins)
	require.Len(t, pay.Exemplars, 2)
	assert.Equal(t, trace(2), pay.Exemplars[1])
	assert.Zero(t, s.Evidence.Services["checkout"].Origins)

	metadatatest.AssertEqualConnectorTopologySummarySpans(t, tel, []metricdata.DataPoint[int64]{{Value: 15}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualConnectorTopologySummarySummaries(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}

func trace(n uint64) pcommon.TraceID {
	return alertscenario.ChainTraces(chain, 1, n, t0, nil).ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID()
}

func TestBoundsAreCounted(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.MaxEdges, cfg.MaxServices = 1, 2
	c, sink, _, tel := newTest(t, cfg)
	ctx := context.Background()
	require.NoError(t, c.ConsumeTraces(ctx, alertscenario.ChainTraces(chain, 1, 0, t0, nil)))
	c.emit(ctx)
	got, _ := summaryconv.Take(sink.AllMetrics()[0])
	assert.Len(t, got[0].Edges, 1)
	assert.Len(t, got[0].Evidence.Edges, 1)
	assert.Len(t, got[0].Evidence.Services, 2)
	metadatatest.AssertEqualConnectorTopologySummaryOverflow(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("map", "edges"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("map", "evidence_edges"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("map", "evidence_services"))},
	}, metricdatatest.IgnoreTimestamp())
}

// TestThreeObserversEqualOne splits traffic by trace ID over three
// connectors, as the balancer does, merges their summaries into one graph
// and tracker, and expects what one instance seeing every span learns.
func TestThreeObserversEqualOne(t *testing.T) {
	ctx := context.Background()
	var observers []*summaryConnector
	var sinks []*consumertest.MetricsSink
	for range 3 {
		c, sink, _, _ := newTest(t, createDefaultConfig().(*Config))
		observers, sinks = append(observers, c), append(sinks, sink)
	}
	single := topology.New(topology.Config{})
	learner := topology.NewLearner(single, topology.LearnerConfig{})
	direct := evidence.New(evidence.Config{})
	merged := topology.New(topology.Config{})
	fromSummaries := evidence.New(evidence.Config{})

	long := []string{"frontend", "checkout", "payment", "ledger"}
	for n := range uint64(60) {
		td := alertscenario.ChainTraces(long, 1, n, t0, func(k uint64) bool { return k%3 == 0 })
		learner.Observe(td, t0)
		direct.Observe(td, t0)
		require.NoError(t, observers[n%3].ConsumeTraces(ctx, td))
	}
	for i, c := range observers {
		c.emit(ctx)
		for _, md := range sinks[i].AllMetrics() {
			summaries, _ := summaryconv.Take(md)
			for _, s := range summaries {
				for _, e := range s.Edges {
					_, err := merged.Merge(e, t0)
					require.NoError(t, err)
				}
				fromSummaries.Merge(s.Evidence, t0)
			}
		}
	}
	want, got := single.Snapshot(), merged.Snapshot()
	assert.Equal(t, want.Edges, got.Edges)
	assert.Equal(t, want.Nodes, got.Nodes)
	for _, svc := range long {
		w, g := direct.Origin(svc, t0), fromSummaries.Origin(svc, t0)
		w.Exemplar, g.Exemplar = "", "" // the last merged observer's, not the last span's
		assert.Equal(t, w, g, svc)
	}
	assert.True(t, fromSummaries.Origin("ledger", t0).Anomalous)
	assert.Equal(t, direct.Line("ledger", long, 3, t0), fromSummaries.Line("ledger", long, 3, t0))
}

// TestUsualsOverflowIsCounted: the usual durations the observer keeps
// across summaries are bounded by max_services and max_edges. A chain
// new in the second interval finds them full of the first one's (seen one
// interval ago: kept), so its spans and call go unjudged; in the third,
// the first chain's usuals are a whole interval old, forgotten to make
// room, and the new chain is timed. Each refusal and each forgotten usual
// is counted.
func TestUsualsOverflowIsCounted(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.MaxServices, cfg.MaxEdges = 3, 2
	c, sink, clk, tel := newTest(t, cfg)
	ctx := context.Background()
	for i, services := range [][]string{{"a", "b", "c"}, {"d", "e"}, {"d", "e"}} {
		require.NoError(t, c.ConsumeTraces(ctx, alertscenario.ChainTraces(services, 1, uint64(i), clk.at, nil)))
		clk.at = clk.at.Add(cfg.Interval)
		_, err := c.emit(ctx)
		require.NoError(t, err)
	}
	require.Len(t, sink.AllMetrics(), 3)
	var timed []bool
	for _, md := range sink.AllMetrics() {
		got, invalid := summaryconv.Take(md)
		require.Zero(t, invalid)
		require.Len(t, got, 1)
		timed = append(timed, got[0].Evidence.Services["d"].Timed)
	}
	assert.Equal(t, []bool{false, false, true}, timed, "d timed once a, b and c are forgotten")
	metadatatest.AssertEqualConnectorTopologySummaryOverflow(t, tel, []metricdata.DataPoint[int64]{
		// d -> e, past the two learned edges, in the second and third intervals.
		{Value: 2, Attributes: attribute.NewSet(attribute.String("map", "edges"))},
		// Refused: d's and e's spans and the d -> e call (3); forgotten:
		// a, b and c, and a -> b and b -> c (5).
		{Value: 8, Attributes: attribute.NewSet(attribute.String("map", "latency_usuals"))},
	}, metricdatatest.IgnoreTimestamp())
}
