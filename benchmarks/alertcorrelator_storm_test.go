package benchmarks

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor"
)

// TestStormIncidents (BENCH_STORM_INCIDENTS=1) feeds the storm of
// BenchmarkAlertCorrelator's state-50k-alerts (50k alerts of one rule,
// about 100 per service of the 500-service graph) and prints how many
// incidents it ends with and how many records left the processor: a
// change to where an alert joins must not split that storm into more
// pages (the fifty-eighth pass's wave rule did). Not a timed test.
func TestStormIncidents(t *testing.T) {
	if os.Getenv("BENCH_STORM_INCIDENTS") == "" {
		t.Skip("set BENCH_STORM_INCIDENTS=1")
	}
	topo := alertscenario.Generated(500, 3)
	file := topologyFile(t, topo)
	nodes := topo.Nodes()
	f := alertcorrelatorprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmapInto(map[string]any{
		"topology":    map[string]any{"file": file},
		"correlation": map[string]any{"group_wait": "0s"},
	}, cfg))
	tel := componenttest.NewTelemetry()
	defer func() { _ = tel.Shutdown(context.Background()) }()
	set := processortest.NewNopSettings(f.Type())
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := new(consumertest.LogsSink)
	tp, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	lp, err := f.CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, tp.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, lp.Start(context.Background(), componenttest.NewNopHost()))
	const n = 50000
	for i := 0; i < n; i += alertBatch {
		ld := plog.NewLogs()
		for k := i; k < i+alertBatch; k++ {
			alertRecord(ld.ResourceLogs(), nodes[(k*7919)%len(nodes)], "HighErrorRate", "warning", alertconv.StateFiring, map[string]string{"n": fmt.Sprint(k)})
		}
		require.NoError(t, lp.ConsumeLogs(context.Background(), ld))
	}
	open := int64(-1)
	if m, err := tel.GetMetric("otelcol_processor_alert_correlator_open_incidents"); err == nil {
		if g, ok := m.Data.(metricdata.Gauge[int64]); ok {
			open = 0
			for _, dp := range g.DataPoints {
				open += dp.Value
			}
		}
	}
	require.NoError(t, lp.Shutdown(context.Background()))
	require.NoError(t, tp.Shutdown(context.Background()))
	fmt.Printf("storm: %d alerts, open incidents at the end %d, records out %d\n", n, open, sink.LogRecordCount())
}
