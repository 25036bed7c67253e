package costreportexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/logbudgetprocessor"
)

// logBudgetBatch is a workload batch of n records as log_budget passes it
// with annotate: true (nothing dropped): its own template IDs.
func logBudgetBatch(tb testing.TB, n int) plog.Logs {
	tb.Helper()
	f := logbudgetprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	raw := map[string]any{"annotate": true, "dedup": map[string]any{"enabled": false}}
	require.NoError(tb, confmap.NewFromStringMap(raw).Unmarshal(cfg))
	sink := new(consumertest.LogsSink)
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(tb, err)
	require.NoError(tb, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(tb, p.ConsumeLogs(context.Background(), workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(n)))
	require.NoError(tb, p.Shutdown(context.Background()))
	require.Len(tb, sink.AllLogs(), 1)
	require.Equal(tb, n, sink.AllLogs()[0].LogRecordCount())
	return sink.AllLogs()[0]
}

// BenchmarkLogPatterns isolates what the pattern table adds to metering a
// batch of log_budget-annotated records: impl=sizing is the walk every
// log meter makes (keys and ResourceLogsSize), impl=patterns the one walk
// of a meter that also tallies patterns, into the table included. The
// difference is the pattern table's cost per record.
//
//	go test -run '^$' -bench LogPatterns -benchtime 200x -count 6 ./exporter/costreportexporter/
func BenchmarkLogPatterns(b *testing.B) {
	ld := logBudgetBatch(b, 2000)
	cfg := testConfig(b.TempDir(), StageExported)
	k := keyer{keys: cfg.Keys}
	perRecord := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(ld.LogRecordCount()), "ns/record")
	}
	b.Run("impl=sizing", func(b *testing.B) {
		b.ReportAllocs()
		out := make([]meterEntry, 0, 16)
		for b.Loop() {
			out = k.logs(ld, out[:0])
		}
		perRecord(b)
	})
	b.Run("impl=patterns", func(b *testing.B) {
		cal, err := newCalendar("UTC")
		require.NoError(b, err)
		book := newPatternBook(cfg, cal)
		t := newPatternTally()
		out := make([]meterEntry, 0, 16)
		now := time.Now()
		b.ReportAllocs()
		for b.Loop() {
			out = k.logsWithPatterns(ld, out[:0], t)
			book.add(StageExported, now, t)
			t.reset()
		}
		perRecord(b)
	})
}
