package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/quell-otel/quell/internal/workload"
)

// TestSidecarToGateway runs config/sidecar.yaml in front of
// config/gateway.yaml, as deployed, and checks that every error trace reaches
// the backend, that the gateway's span metrics count every span sent, kept
// or not, and that the sidecar's log_budget collapses repeated log lines
// into counted summaries that still account for every record, errors kept
// one by one.
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
		Env: map[string]string{
			"QUELL_GATEWAY_PORT": fmt.Sprint(gateway.Port("OTLP_GRPC")),
			// Budgets out of the way: this test counts dedup, exactly.
			"QUELL_LOG_RECORDS_PER_SECOND": "1000000",
			"QUELL_LOG_DEDUP_WINDOW":       "500ms",
		},
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

	sentErrors := countLogs(logs, func(lr plog.LogRecord) int64 {
		return b2i(lr.SeverityNumber() >= plog.SeverityNumberError)
	})
	require.Eventually(t, func() bool { return weightedLogCount(backend) == int64(logs.LogRecordCount()) }, 30*time.Second, 50*time.Millisecond,
		"log records accounted for at the backend: %d, want %d", weightedLogCount(backend), logs.LogRecordCount())
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
	t.Logf("spans: %d sent, %d kept (%d in error traces); log records: %d sent, %d arrived standing for %d",
		allSpans, kept, errorSpans, logs.LogRecordCount(), backend.LogRecordCount(), weightedLogCount(backend))
	assert.Less(t, backend.LogRecordCount(), logs.LogRecordCount()*3/4, "repeated lines are collapsed")
	var gotErrors int64
	for _, ld := range backend.Logs() {
		gotErrors += countLogs(ld, func(lr plog.LogRecord) int64 {
			return b2i(lr.SeverityNumber() >= plog.SeverityNumberError && !hasAttr(lr, "log.record.count"))
		})
	}
	assert.Equal(t, sentErrors, gotErrors, "every error record arrives on its own")
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

// weightedLogCount is the number of records the backend's records stand
// for: a dedup summary stands for log.record.count records.
func weightedLogCount(s *Sink) int64 {
	var n int64
	for _, ld := range s.Logs() {
		n += countLogs(ld, func(lr plog.LogRecord) int64 {
			if v, ok := lr.Attributes().Get("log.record.count"); ok {
				return v.Int()
			}
			return 1
		})
	}
	return n
}

func countLogs(ld plog.Logs, f func(plog.LogRecord) int64) int64 {
	var n int64
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				n += f(lr)
			}
		}
	}
	return n
}

func hasAttr(lr plog.LogRecord, name string) bool {
	_, ok := lr.Attributes().Get(name)
	return ok
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
