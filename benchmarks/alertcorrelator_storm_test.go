package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

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
// pages (the fifty-eighth pass's wave rule did). BENCH_STORM_RULES=n
// cycles the alerts over n rules (a wave of each new rule on services
// already alerting with another: the sixty-third pass's wave reading
// runs for them). Not a timed test: it prints the time inside
// ConsumeLogs as a rough guide. BENCH_STORM_RANDOM=1 draws each alert's
// service at random instead of in turn.
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
	rules := 1
	if v, err := strconv.Atoi(os.Getenv("BENCH_STORM_RULES")); err == nil && v > 0 {
		rules = v
	}
	pick := func(k int) string { return nodes[(k*7919)%len(nodes)] }
	if os.Getenv("BENCH_STORM_RANDOM") != "" {
		// Services drawn at random: some alert twice before others
		// alert at all.
		r := rand.New(rand.NewPCG(1, 2))
		order := make([]string, n)
		for k := range order {
			order[k] = nodes[r.IntN(len(nodes))]
		}
		pick = func(k int) string { return order[k] }
	}
	var busy time.Duration
	for i := 0; i < n; i += alertBatch {
		ld := plog.NewLogs()
		for k := i; k < i+alertBatch; k++ {
			rule := "HighErrorRate"
			if r := k % rules; r > 0 {
				rule = fmt.Sprintf("Rule%d", r)
			}
			alertRecord(ld.ResourceLogs(), pick(k), rule, "warning", alertconv.StateFiring, map[string]string{"n": fmt.Sprint(k)})
		}
		start := time.Now()
		require.NoError(t, lp.ConsumeLogs(context.Background(), ld))
		busy += time.Since(start)
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
	fmt.Printf("storm: %d alerts of %d rules, open incidents at the end %d, records out %d, %s inside ConsumeLogs\n", n, rules, open, sink.LogRecordCount(), busy.Round(time.Millisecond))
}
