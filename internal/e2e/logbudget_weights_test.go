package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/workload"
)

// TestLogBudgetWeightsAddUpPerKey sends 3,000 records a second for 8 s from
// two services through log_budget with a 5,000 B/s budget per key and dedup
// off, in the built binary. Most records are dropped (by sampling and the
// budget),
// yet per key the events the arriving records stand for, log.record.count
// (1 when absent) times sampling.adjusted_count (1 when absent), add up to
// the records sent within 2%.
func TestLogBudgetWeightsAddUpPerKey(t *testing.T) {
	sink := StartSink(t)
	col := Start(t, Options{Configs: []string{"internal/e2e/testdata/logbudget-weights.yaml"}, Sink: sink})
	gen := workload.NewLogGenerator(workload.LogOptions{Seed: 5, Services: 2})
	sent := map[string]float64{}
	sentSev := map[string]float64{} // per key and severity
	total := 0
	for range 32 {
		ld := gen.Batch(750)
		logBudgetEachResourceRecord(ld, func(svc string, lr plog.LogRecord) {
			sent[svc]++
			sentSev[svc+"/"+lr.SeverityText()]++
			total++
		})
		SendLogs(t, col.Addr("OTLP_GRPC"), ld)
		time.Sleep(250 * time.Millisecond)
	}
	col.Stop(t) // flushes the open dedup windows

	got := map[string]float64{}
	gotSev := map[string]float64{}
	kept := 0
	for _, ld := range sink.Logs() {
		logBudgetEachResourceRecord(ld, func(svc string, lr plog.LogRecord) {
			kept++
			w := 1.0
			if v, ok := lr.Attributes().Get("sampling.adjusted_count"); ok {
				w = v.Double()
			}
			if v, ok := lr.Attributes().Get("log.record.count"); ok {
				w *= float64(v.Int())
			}
			got[svc] += w
			gotSev[svc+"/"+lr.SeverityText()] += w
		})
	}
	t.Logf("kept %d of %d records; sent per key %v; weights per key %v", kept, total, sent, got)
	assert.Less(t, kept, total/4, "the budget drops most records")
	for svc, n := range sent {
		assert.InEpsilon(t, n, got[svc], 0.02, "key %s", svc)
	}
	t.Logf("sent per key and severity %v; weights %v", sentSev, gotSev)
	for k, n := range sentSev {
		if strings.HasSuffix(k, "/ERROR") || strings.HasSuffix(k, "/FATAL") {
			// never dropped: their weights are exactly their records (what
			// the budget drops must not ride on them)
			assert.Equal(t, n, gotSev[k], "%s", k)
		}
	}
}

// logBudgetEachResourceRecord calls f with the service.name of each record.
func logBudgetEachResourceRecord(ld plog.Logs, f func(svc string, lr plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		svc, _ := rl.Resource().Attributes().Get("service.name")
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			lrs := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(svc.AsString(), lrs.At(k))
			}
		}
	}
}
