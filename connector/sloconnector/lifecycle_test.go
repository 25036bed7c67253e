package sloconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/connector/sloconnector/internal/metadata"
)

// TestSharedInstanceTicks: the traces-to-logs and traces-to-metrics
// instances of one ID are one core; its ticker evaluates while spans
// arrive, and the last Shutdown flushes the final counts.
func TestSharedInstanceTicks(t *testing.T) {
	f := NewFactory()
	cfg := testConfig()
	cfg.EvaluationInterval = 10 * time.Millisecond
	set := connectortest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	logs, metrics := &consumertest.LogsSink{}, &consumertest.MetricsSink{}
	ctx := context.Background()
	tl, err := f.CreateTracesToLogs(ctx, set, cfg, logs)
	require.NoError(t, err)
	tm, err := f.CreateTracesToMetrics(ctx, set, cfg, metrics)
	require.NoError(t, err)
	require.NoError(t, tl.Start(ctx, componenttest.NewNopHost()))
	require.NoError(t, tm.Start(ctx, componenttest.NewNopHost()))

	var sent float64
	for i := range 20 {
		td := ptrace.NewTraces()
		weightedSpans(td, "payment", 8, 8) // 50% errors: pages at once
		if i%2 == 0 {
			require.NoError(t, tl.ConsumeTraces(ctx, td))
		} else {
			require.NoError(t, tm.ConsumeTraces(ctx, td))
		}
		sent += 16
		time.Sleep(2 * time.Millisecond)
	}
	require.Eventually(t, func() bool { return len(alertRecords(logs)) > 0 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, tl.Shutdown(ctx))
	require.NoError(t, tm.Shutdown(ctx))
	require.NoError(t, tm.Shutdown(ctx), "Shutdown is idempotent")

	var total float64
	for _, md := range metrics.AllMetrics() {
		total += metricValues(t, md)[metricTotal]
	}
	assert.Equal(t, sent, total, "every event leaves in the metrics, the last ones at Shutdown")
	assert.Equal(t, "page", alertRecords(logs)[0].tier)
}
