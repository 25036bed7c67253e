package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/quell-otel/quell/internal/workload"
)

// TestSidecarToGateway runs config/sidecar.yaml in front of
// config/gateway.yaml, as deployed, and checks that every error trace and
// every log record reaches the backend, and that the gateway's span metrics
// count every span sent, kept or not.
func TestSidecarToGateway(t *testing.T) {
	backend := StartSink(t)
	gateway := Start(t, Options{
		Configs: []string{"config/gateway.yaml"},
		Env: map[string]string{
			"QUELL_BACKEND_PORT":  fmt.Sprint(backend.Port()),
			"QUELL_DECISION_WAIT": "1s",
			// Flush span metrics often, so the test sees them soon.
			"QUELL_SPANMETRICS_FLUSH_INTERVAL": "500ms",
		},
	})
	sidecar := Start(t, Options{
		Configs: []string{"config/sidecar.yaml"},
		Env:     map[string]string{"QUELL_GATEWAY_PORT": fmt.Sprint(gateway.Port("OTLP_GRPC"))},
	})

	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 5, ErrorRatio: 0.2}).Generate(300)
	var errorSpans, allSpans int
	for _, tr := range traces {
		allSpans += tr.SpanCount
		if tr.Error {
			errorSpans += tr.SpanCount
		}
	}
	for _, batch := range workload.Split(traces, 3) {
		SendTraces(t, sidecar.Addr("OTLP_GRPC"), batch)
	}
	logs := workload.NewLogGenerator(workload.LogOptions{Seed: 5}).Batch(1000)
	SendLogs(t, sidecar.Addr("OTLP_GRPC"), logs)

	backend.WaitLogRecords(t, logs.LogRecordCount(), 30*time.Second)
	backend.WaitSpans(t, errorSpans, 60*time.Second)
	// spanmetrics sits before sampling: its call counts add up to every span.
	require.Eventually(t, func() bool { return int(spanCalls(backend.Metrics())) == allSpans }, 30*time.Second, 100*time.Millisecond,
		"span metrics count %v calls, want %d", spanCalls(backend.Metrics()), allSpans)
	sidecar.Stop(t)
	gateway.Stop(t)

	// Every error trace is kept whole; of the rest, tail sampling keeps about
	// 10%, so the backend sees far fewer spans than were sent.
	kept := backend.SpanCount()
	assert.GreaterOrEqual(t, kept, errorSpans)
	assert.Less(t, kept, errorSpans+(allSpans-errorSpans)/4)
	assert.Equal(t, logs.LogRecordCount(), backend.LogRecordCount())
}

// spanCalls returns the latest cumulative value of the spanmetrics calls
// counter, summed over its series.
func spanCalls(batches []pmetric.Metrics) float64 {
	latest := map[string]float64{}
	for _, md := range batches {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			sms := md.ResourceMetrics().At(i).ScopeMetrics()
			for j := 0; j < sms.Len(); j++ {
				ms := sms.At(j).Metrics()
				for k := 0; k < ms.Len(); k++ {
					m := ms.At(k)
					if m.Name() != "traces.span.metrics.calls" {
						continue
					}
					dps := m.Sum().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						dp := dps.At(d)
						key := fmt.Sprint(dp.Attributes().AsRaw())
						latest[key] = max(latest[key], float64(dp.IntValue()))
					}
				}
			}
		}
	}
	var sum float64
	for _, v := range latest {
		sum += v
	}
	return sum
}
