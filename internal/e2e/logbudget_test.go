package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/workload"
)

// TestLogBudgetPipeline sends the generator's log mix through log_budget in
// the built binary: every ERROR and above and every audit record arrive,
// repeats arrive as summaries whose counts (times their weights) add up to
// what was sent, far fewer bytes leave than arrive, and the accounting
// metrics count every record.
func TestLogBudgetPipeline(t *testing.T) {
	sink := StartSink(t)
	col := Start(t, Options{Configs: []string{"internal/e2e/testdata/logbudget-pipeline.yaml"}, Sink: sink})

	gen := workload.NewLogGenerator(workload.LogOptions{Seed: 11, Services: 3})
	var sizer plog.ProtoMarshaler
	sent, errorsSent, audit, bytesIn := 0, 0, 0, 0
	for range 5 {
		ld := gen.Batch(1000)
		lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		lrs.At(0).Attributes().PutBool("audit", true)
		audit++
		workload.EachLogRecord(ld, func(lr plog.LogRecord) {
			sent++
			bytesIn += sizer.LogRecordSize(lr)
			if lr.SeverityNumber() >= plog.SeverityNumberError {
				errorsSent++
			}
		})
		SendLogs(t, col.Addr("OTLP_GRPC"), ld)
	}
	// the accounting metrics count every record in
	require.Eventually(t, func() bool {
		return int(col.MetricValue(t, "otelcol_processor_log_budget_records_in", nil)) == sent
	}, 30*time.Second, 200*time.Millisecond, "records_in: %v", GrepLines(col.Metrics(t), "log_budget"))
	metrics := col.Metrics(t)
	// shutdown flushes every open dedup window
	col.Stop(t)

	var got, errorsGot, auditGot, bytesOut, summaries int
	weighted := 0.0
	for _, ld := range sink.Logs() {
		workload.EachLogRecord(ld, func(lr plog.LogRecord) {
			got++
			bytesOut += sizer.LogRecordSize(lr)
			if lr.SeverityNumber() >= plog.SeverityNumberError {
				errorsGot++
			}
			if v, ok := lr.Attributes().Get("audit"); ok && v.Bool() {
				auditGot++
			}
			w, summary := logBudgetWeight(lr)
			if summary {
				summaries++
			}
			weighted += w
		})
	}
	t.Logf("sent %d records (%d B), received %d (%d B, %.1f%%), %d summaries, weighted count %.0f",
		sent, bytesIn, got, bytesOut, 100*float64(bytesOut)/float64(bytesIn), summaries, weighted)
	assert.Equal(t, errorsSent, errorsGot, "every ERROR and above arrives")
	assert.Equal(t, audit, auditGot, "every audit record arrives")
	assert.Positive(t, summaries)
	assert.Less(t, bytesOut, bytesIn/3)
	assert.InEpsilon(t, float64(sent), weighted, 0.03)
	dropped := SumMetric(metrics, "otelcol_processor_log_budget_records_dropped", map[string]string{"reason": "dedup"})
	assert.Positive(t, dropped)
	assert.True(t, strings.Contains(metrics, `key="`), "per-key accounting")
}

// TestLogBudgetConcurrentSenders sends from 8 OTLP clients at once (the
// receiver calls log_budget from as many goroutines): every record is
// accounted once, every ERROR and above arrives, weighted counts add up, and
// the ERROR records that exceed the 2 KB/s budget show as debt.
func TestLogBudgetConcurrentSenders(t *testing.T) {
	sink := StartSink(t)
	col := Start(t, Options{Configs: []string{"internal/e2e/testdata/logbudget-pipeline.yaml"}, Sink: sink})

	const senders, batches = 8, 4
	// the batches are made and counted here, before any sender starts
	sent, errorsSent := 0, 0
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := range senders {
		gen := workload.NewLogGenerator(workload.LogOptions{Seed: int64(100 + s), Services: 5})
		lds := make([]plog.Logs, batches)
		for b := range lds {
			lds[b] = gen.Batch(500)
			workload.EachLogRecord(lds[b], func(lr plog.LogRecord) {
				sent++
				if lr.SeverityNumber() >= plog.SeverityNumberError {
					errorsSent++
				}
			})
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := workload.NewClient(col.Addr("OTLP_GRPC"))
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = c.Close() }()
			for _, ld := range lds {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				err := c.SendLogs(ctx, ld)
				cancel()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		return int(col.MetricValue(t, "otelcol_processor_log_budget_records_in", nil)) == sent
	}, 30*time.Second, 200*time.Millisecond, "records_in: %v", GrepLines(col.Metrics(t), "log_budget"))
	metrics := col.Metrics(t)
	col.Stop(t)

	// the ERROR records alone exceed 2 KB/s at moments: borrowed from the
	// keys' later budget
	assert.Positive(t, SumMetric(metrics, "otelcol_processor_log_budget_debt_bytes", nil), GrepLines(metrics, "debt"))
	got, errorsGot, summaries := 0, 0, 0
	weighted := 0.0
	for _, ld := range sink.Logs() {
		workload.EachLogRecord(ld, func(lr plog.LogRecord) {
			got++
			if lr.SeverityNumber() >= plog.SeverityNumberError {
				errorsGot++
			}
			w, summary := logBudgetWeight(lr)
			if summary {
				summaries++
			}
			weighted += w
		})
	}
	t.Logf("%d senders sent %d records, received %d (%d summaries), weighted count %.0f", senders, sent, got, summaries, weighted)
	assert.Equal(t, errorsSent, errorsGot, "every ERROR and above arrives")
	assert.InEpsilon(t, float64(sent), weighted, 0.03)
}

func TestLogBudgetInvalidConfigNamesTheKeys(t *testing.T) {
	cfg := filepath.Join(RepoRoot(t), "internal/e2e/testdata/logbudget-invalid.yaml")
	out, err := exec.Command(Binary(t), "validate", "--config", cfg).CombinedOutput()
	require.Error(t, err, "validate must fail")
	for _, want := range []string{
		`severity_floor: unknown severity "LOUD"`,
		"budget.bytes_per_day: must not be negative",
		"priority_classes[0].conditions[0]",
	} {
		assert.Contains(t, string(out), want)
	}
}

// logBudgetWeight is how many records sent lr stands for (its sampling
// weight times its dedup count), and whether it is a dedup summary.
func logBudgetWeight(lr plog.LogRecord) (w float64, summary bool) {
	w = 1.0
	if v, ok := lr.Attributes().Get("sampling.adjusted_count"); ok {
		w = v.Double()
	}
	if v, ok := lr.Attributes().Get("log.record.count"); ok {
		summary = true
		w *= float64(v.Int())
	}
	return w, summary
}
