package topologyconnector

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/quell-otel/quell/connector/topologyconnector/internal/metadata"
	"github.com/quell-otel/quell/connector/topologyconnector/internal/metadatatest"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/summaryconv"
)

// TestTickerSendsAndShutdownFlushes runs the connector as the collector
// does: summaries leave on the ticker, and Shutdown sends what is left.
func TestTickerSendsAndShutdownFlushes(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Interval = 20 * time.Millisecond
	sink := new(consumertest.MetricsSink)
	c, err := NewFactory().CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, c.ConsumeTraces(context.Background(), alertscenario.ChainTraces(chain, 5, 0, t0, nil)))
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) == 1 }, 30*time.Second, 10*time.Millisecond)

	require.NoError(t, c.ConsumeTraces(context.Background(), alertscenario.ChainTraces(chain, 2, 5, t0, nil)))
	require.NoError(t, c.Shutdown(context.Background()))
	require.NoError(t, c.Shutdown(context.Background()), "idempotent")
	var calls int64
	for _, md := range sink.AllMetrics() {
		got, invalid := summaryconv.Take(md)
		require.Zero(t, invalid)
		for _, s := range got {
			for _, e := range s.Edges {
				calls += int64(e.Calls)
			}
		}
	}
	assert.Equal(t, int64(2*7), calls, "every pair of both chains' calls, sent once")
}

func TestRefusedSummaryIsCounted(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	refuse, err := consumer.NewMetrics(func(context.Context, pmetric.Metrics) error { return errors.New("unavailable") })
	require.NoError(t, err)
	c, err := newConnector(metadatatest.NewSettings(tel), createDefaultConfig().(*Config), refuse, (&clock{at: t0}).now)
	require.NoError(t, err)
	require.NoError(t, c.ConsumeTraces(context.Background(), alertscenario.ChainTraces(chain, 1, 0, t0, nil)))
	c.emit(context.Background())
	metadatatest.AssertEqualConnectorTopologySummarySendFailures(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}

// A last summary that cannot be delivered at shutdown is logged as an
// error naming what it carried.
func TestShutdownSaysWhatWasNotDelivered(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	set := connectortest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	refuse, err := consumer.NewMetrics(func(context.Context, pmetric.Metrics) error { return errors.New("unavailable") })
	require.NoError(t, err)
	c, err := newConnector(set, createDefaultConfig().(*Config), refuse, (&clock{at: t0}).now)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, c.ConsumeTraces(context.Background(), alertscenario.ChainTraces(chain, 1, 0, t0, nil)))
	require.NoError(t, c.Shutdown(context.Background()))
	lost := logs.FilterLevelExact(zap.ErrorLevel).FilterMessage("shutdown: the last topology summary was not delivered").All()
	require.Len(t, lost, 1)
	assert.Positive(t, lost[0].ContextMap()["graph_edges"])
}
