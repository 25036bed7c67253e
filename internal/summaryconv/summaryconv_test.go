package summaryconv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

var start = time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)

func sample() Summary {
	return Summary{
		Start: start, End: start.Add(10 * time.Second),
		Edges: []topology.EdgeDelta{
			{From: "checkout", To: "payment", Kind: topology.KindRPC, Calls: 7},
			{From: "checkout", To: "postgresql", Kind: topology.KindVirtual, Calls: 2},
		},
		Evidence: evidence.Counts{
			Services: map[string]evidence.ServiceCounts{
				"payment":  {Spans: 7, Origins: 3, Exemplars: []pcommon.TraceID{{1}, {2}}, Timed: true, SlowSelf: 2, SlowExemplars: []pcommon.TraceID{{3}}},
				"checkout": {Spans: 7, Timed: true},
				// An older observer's: no latency.
				"cart": {Spans: 4, Origins: 1, Exemplars: []pcommon.TraceID{{4}}},
			},
			Edges: map[evidence.Edge]evidence.EdgeCounts{
				{From: "checkout", To: "payment"}:    {Calls: 7, Failed: 3, Timed: true, Slow: 2},
				{From: "checkout", To: "postgresql"}: {Calls: 2},
			},
		},
	}
}

func TestRoundTripAndPassThrough(t *testing.T) {
	md := pmetric.NewMetrics()
	other := md.ResourceMetrics().AppendEmpty()
	other.Resource().Attributes().PutStr("service.name", "api")
	g := other.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	g.SetName("http.server.request.duration")
	g.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(1)
	Append(md, sample())
	Append(md, Summary{Start: start, End: start})
	assert.Equal(t, 3, md.ResourceMetrics().Len())

	got, invalid := Take(md)
	assert.Zero(t, invalid)
	require.Len(t, got, 2)
	assert.Equal(t, sample(), got[0])
	assert.True(t, got[1].Empty())
	require.Equal(t, 1, md.ResourceMetrics().Len(), "other metrics stay")
	assert.Equal(t, "http.server.request.duration", md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Name())
}

func TestInvalidPointsAreCounted(t *testing.T) {
	md := pmetric.NewMetrics()
	Append(md, sample())
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	ms.At(0).Sum().DataPoints().At(0).Attributes().Remove(AttrKind)
	ms.At(1).Sum().DataPoints().At(0).SetIntValue(-1)
	gauge := ms.AppendEmpty()
	gauge.SetName(MetricServiceSpans)
	gauge.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	unknown := ms.AppendEmpty()
	unknown.SetName("quell.evidence.other")
	unknown.SetEmptySum().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	unknown.Sum().DataPoints().AppendEmpty().SetIntValue(1)
	cumulative := ms.AppendEmpty()
	cumulative.SetName(MetricEdgeCalls)
	cumulative.SetEmptySum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	cumulative.Sum().DataPoints().AppendEmpty().SetIntValue(1)

	got, invalid := Take(md)
	assert.Equal(t, 5, invalid)
	require.Len(t, got, 1)
	assert.Len(t, got[0].Edges, 1)
	assert.Equal(t, 0, md.ResourceMetrics().Len())
}
