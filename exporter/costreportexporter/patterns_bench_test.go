package costreportexporter

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/workload"
)

// logBudgetBatch is a workload batch of n records as log_budget passes it
// with annotate: true (nothing dropped): its own template IDs.
func logBudgetBatch(tb testing.TB, n int) plog.Logs {
	tb.Helper()
	ld := logBudgetOutput(tb, n, map[string]any{"annotate": true, "dedup": map[string]any{"enabled": false}})
	require.Equal(tb, n, ld.LogRecordCount())
	return ld
}

// logBudgetOutput is what a new log_budget of configuration conf passes
// on of a workload batch of n records (its dedup summaries, sent at
// shutdown, left out).
func logBudgetOutput(tb testing.TB, n int, conf map[string]any) plog.Logs {
	tb.Helper()
	sink := new(consumertest.LogsSink)
	p := newLogBudgetWith(tb, nil, conf, sink)
	require.NoError(tb, p.ConsumeLogs(context.Background(), workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(n)))
	require.Len(tb, sink.AllLogs(), 1)
	ld := sink.AllLogs()[0]
	require.NoError(tb, p.Shutdown(context.Background()))
	return ld
}

// BenchmarkLogPatterns isolates what the pattern table adds to metering a
// batch of log_budget-annotated records: impl=sizing is the walk every
// log meter makes (keys and ResourceLogsSize), impl=patterns the one walk
// of a meter that also tallies patterns, into the table included. The
// difference is the pattern table's cost per record. Each iteration meters
// a batch freshly decoded from OTLP (untimed), as a pipeline hands it
// over; min_ns/record is the fastest iteration, the figure least disturbed
// by other load on a shared machine.
//
//	go test -run '^$' -bench LogPatterns -benchtime 300x -count 6 ./exporter/costreportexporter/
func BenchmarkLogPatterns(b *testing.B) {
	benchmarkLogPatterns(b, logBudgetBatch(b, 2000))
}

// BenchmarkLogPatternsUnannotated is BenchmarkLogPatterns on the same
// workload without log_budget: no record has a template ID, so the
// tallying meter only counts them (BenchmarkCostReportLogs's batch).
func BenchmarkLogPatternsUnannotated(b *testing.B) {
	benchmarkLogPatterns(b, workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(2000))
}

// BenchmarkLogPatternsDeduplicated is BenchmarkLogPatterns on what a
// deduplicating log_budget (annotate: true, dedup on) keeps of the batch
// the first time it sees it: the first record of each template, key and
// severity, so nearly every record starts a pattern of its batch (what the
// exported meter of the README's placement meters).
func BenchmarkLogPatternsDeduplicated(b *testing.B) {
	benchmarkLogPatterns(b, logBudgetOutput(b, 2000, map[string]any{"annotate": true}))
}

// BenchmarkLogPatternsInProcess is BenchmarkLogPatterns on log_budget's
// output in process, as the exported meter of the README's placement
// meters it (issue 19, seventh pass): each iteration decodes the
// workload's raw batch and passes it through one running log_budget
// (annotate: true, dedup off: every record passes, annotated), both
// untimed, then meters what log_budget passed on. The records' template
// IDs and keys are then log_budget's own strings, shared by the records of
// a template, and log_budget has just read every record.
func BenchmarkLogPatternsInProcess(b *testing.B) {
	raw := workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(2000)
	req, err := (&plog.ProtoMarshaler{}).MarshalLogs(raw)
	require.NoError(b, err)
	sink := new(consumertest.LogsSink)
	p := newLogBudgetWith(b, nil, map[string]any{"annotate": true, "dedup": map[string]any{"enabled": false}}, sink)
	b.Cleanup(func() { require.NoError(b, p.Shutdown(context.Background())) })
	benchmarkLogPatternsFrom(b, func() plog.Logs {
		sink.Reset()
		require.NoError(b, p.ConsumeLogs(context.Background(), decodeLogs(b, req)))
		require.Len(b, sink.AllLogs(), 1)
		return sink.AllLogs()[0]
	})
}

func decodeLogs(b *testing.B, req []byte) plog.Logs {
	ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(req)
	require.NoError(b, err)
	return ld
}

// benchmarkLogPatterns meters batch, freshly decoded in each iteration.
func benchmarkLogPatterns(b *testing.B, batch plog.Logs) {
	req, err := (&plog.ProtoMarshaler{}).MarshalLogs(batch)
	require.NoError(b, err)
	benchmarkLogPatternsFrom(b, func() plog.Logs { return decodeLogs(b, req) })
}

// benchmarkLogPatternsFrom meters, in each iteration, the batch next
// returns (untimed).
func benchmarkLogPatternsFrom(b *testing.B, next func() plog.Logs) {
	cfg := testConfig(b.TempDir(), StageExported)
	k := keyer{keys: cfg.Keys}
	cal, err := newCalendar("UTC")
	require.NoError(b, err)
	book := newPatternBook(cfg, cal)
	t := newPatternTally()
	out := make([]meterEntry, 0, 16)
	for _, v := range []struct {
		name  string
		meter func(plog.Logs)
	}{
		{"sizing", func(ld plog.Logs) { out = k.logs(ld, out[:0]) }},
		{"patterns", func(ld plog.Logs) {
			out = k.logsWithPatterns(ld, out[:0], t)
			book.add(StageExported, time.Now(), t)
			t.reset()
		}},
	} {
		b.Run("impl="+v.name, func(b *testing.B) {
			b.ReportAllocs()
			fastest := time.Duration(math.MaxInt64)
			var n int
			for b.Loop() {
				b.StopTimer()
				ld := next()
				n = ld.LogRecordCount()
				b.StartTimer()
				t0 := time.Now()
				v.meter(ld)
				fastest = min(fastest, time.Since(t0))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
			b.ReportMetric(float64(fastest.Nanoseconds())/float64(n), "min_ns/record")
		})
	}
}
