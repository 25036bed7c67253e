package costreportexporter

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/logbudgetprocessor"
	"github.com/quell-otel/quell/processor/tailsamplerprocessor"
)

// Built like the collector builds the README's pattern:
//
//	traces:        otlp -> [cost_report/ingested, forward]
//	traces/reduce: forward -> probabilistic_sampler(25%) -> [backend, cost_report/exported]
//	logs:          otlp -> [cost_report/ingested, forward]
//	logs/reduce:   forward -> filter(severity < WARN) -> [backend, cost_report/exported]
//	metrics:       otlp -> [backend, cost_report/ingested, cost_report/exported] (no reduction)
//
// and checked against the known workload: what went in, what the backend
// received, and the money in between.
func TestIngestedExportedSavedThroughContribProcessors(t *testing.T) {
	checkReducingPipeline(t, newSampler, newLogFilter)
}

// The same with Quell's own reducers: tail_sampler (errors, slow, 10% of
// the rest) and log_budget (a records budget with dedup).
func TestIngestedExportedSavedThroughQuellProcessors(t *testing.T) {
	checkReducingPipeline(t, newTailSampler, newLogBudget)
}

func checkReducingPipeline(t *testing.T, newTraces func(*testing.T, consumer.Traces) processor.Traces, newLogs func(*testing.T, consumer.Logs) processor.Logs) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newFakeClock("2026-11-22T10:30:00Z")
	f := newFactory(clock.Now)

	tg := workload.NewTraceGenerator(workload.TraceOptions{Seed: 7, Services: 6, ErrorRatio: 0.05, SlowRatio: 0.05})
	lg := workload.NewLogGenerator(workload.LogOptions{Seed: 7, Services: 6, ErrorRatio: 0.1})
	teams := map[string]string{}
	for i, s := range tg.ServiceNames() {
		teams[s] = "team-" + strconv.Itoa(i%3)
	}
	in := testConfig(dir, StageIngested)
	in.Keys.ServiceTeams = teams
	out := testConfig(dir, StageExported)
	out.Keys.ServiceTeams = teams

	tin := startTraces(t, f, settings("ingested"), in)
	lin := startLogs(t, f, settings("ingested"), in)
	min := startMetrics(t, f, settings("ingested"), in)
	tout := startTraces(t, f, settings("exported"), out)
	lout := startLogs(t, f, settings("exported"), out)
	mout := startMetrics(t, f, settings("exported"), out)

	backendTraces := new(consumertest.TracesSink)
	backendLogs := new(consumertest.LogsSink)
	toTraces, err := consumer.NewTraces(func(ctx context.Context, td ptrace.Traces) error {
		return errorsJoin(backendTraces.ConsumeTraces(ctx, td), tout.ConsumeTraces(ctx, td))
	})
	require.NoError(t, err)
	toLogs, err := consumer.NewLogs(func(ctx context.Context, ld plog.Logs) error {
		return errorsJoin(backendLogs.ConsumeLogs(ctx, ld), lout.ConsumeLogs(ctx, ld))
	})
	require.NoError(t, err)

	sampler := newTraces(t, toTraces)
	filter := newLogs(t, toLogs)

	var spansIn, logsIn, tracesBytesIn, logsBytesIn int64
	for range 20 {
		batch := workload.Merge(tg.Generate(50))
		spansIn += int64(batch.SpanCount())
		tracesBytesIn += int64((&ptrace.ProtoMarshaler{}).TracesSize(batch))
		require.NoError(t, tin.ConsumeTraces(ctx, batch))
		require.NoError(t, sampler.ConsumeTraces(ctx, batch))

		logs := lg.Batch(500)
		logsIn += int64(logs.LogRecordCount())
		logsBytesIn += int64((&plog.ProtoMarshaler{}).LogsSize(logs))
		require.NoError(t, lin.ConsumeLogs(ctx, logs))
		require.NoError(t, filter.ConsumeLogs(ctx, logs))
	}
	md := makeMetrics(res{"checkout", "production", "", 40})
	require.NoError(t, min.ConsumeMetrics(ctx, md))
	require.NoError(t, mout.ConsumeMetrics(ctx, md))

	for _, c := range []component.Component{sampler, filter, tin, lin, min, tout, lout, mout} {
		require.NoError(t, c.Shutdown(ctx))
	}

	var spansOut, tracesBytesOut int64
	for _, td := range backendTraces.AllTraces() {
		spansOut += int64(td.SpanCount())
		tracesBytesOut += int64((&ptrace.ProtoMarshaler{}).TracesSize(td))
	}
	var logsOut, logsBytesOut int64
	for _, ld := range backendLogs.AllLogs() {
		logsOut += int64(ld.LogRecordCount())
		logsBytesOut += int64((&plog.ProtoMarshaler{}).LogsSize(ld))
	}
	require.Positive(t, spansOut)
	require.Less(t, spansOut, spansIn)
	require.Less(t, logsOut, logsIn)

	s := readSummary(t, filepath.Join(dir, "daily", "focus-2026-11-22.json"))
	h := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T10Z.json"))
	assert.Equal(t, s.Total, h.Total, "one hour: hourly and daily agree")

	assertBilled(t, s.BySignal["traces"], volume{spansIn, tracesBytesIn}, volume{spansOut, tracesBytesOut}, 0.40, 2.50)
	assertBilled(t, s.BySignal["logs"], volume{logsIn, logsBytesIn}, volume{logsOut, logsBytesOut}, 0.50, 1.70)

	mt := s.BySignal["metrics"]
	assert.Equal(t, int64(40), mt.IngestedRecords)
	assert.Equal(t, mt.IngestedRecords, mt.ExportedRecords)
	assert.Zero(t, mt.SavedCost, "no reduction, nothing saved")

	// The groupings add up to the total, and so do the CSV rows.
	var teamSaved, teamList float64
	for _, t := range s.ByTeam {
		teamSaved += t.SavedCost
		teamList += t.ListCost
	}
	assert.InDelta(t, s.Total.SavedCost, teamSaved, 1e-8)
	assert.InDelta(t, s.Total.ListCost, teamList, 1e-8)
	assert.Len(t, s.ByTeam, 3)
	rows := checkFOCUS(t, filepath.Join(dir, "daily", "focus-2026-11-22.csv"), 24*time.Hour, time.UTC)
	var csvIn, csvOut int64
	var csvList, csvSaved float64
	for _, r := range rows {
		csvIn += mustInt(t, r["x_IngestedBytes"])
		csvOut += mustInt(t, r["x_ExportedBytes"])
		csvList += mustFloat(t, r["ListCost"])
		csvSaved += mustFloat(t, r["x_SavedCost"])
	}
	assert.Equal(t, s.Total.IngestedBytes, csvIn)
	assert.Equal(t, s.Total.ExportedBytes, csvOut)
	assert.InDelta(t, s.Total.ListCost, csvList, 1e-8)
	assert.InDelta(t, s.Total.SavedCost, csvSaved, 1e-8)

	t.Logf("traces: %d -> %d spans (%.1f%%), %d -> %d bytes; logs: %d -> %d records, %d -> %d bytes",
		spansIn, spansOut, 100*float64(spansOut)/float64(spansIn), tracesBytesIn, tracesBytesOut,
		logsIn, logsOut, logsBytesIn, logsBytesOut)
	t.Logf("billed %.6f, ingested %.6f, saved %.6f (%s)", s.Total.ListCost, s.Total.IngestedCost, s.Total.SavedCost, s.Currency)
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// assertBilled checks one signal's totals against the volume that went in
// and out and its prices per GB and per million items.
func assertBilled(t *testing.T, got *totals, in, out volume, perGB, perMillion float64) {
	t.Helper()
	assert.Equal(t, in.Records, got.IngestedRecords)
	assert.Equal(t, out.Records, got.ExportedRecords)
	assert.Equal(t, in.Bytes, got.IngestedBytes)
	assert.Equal(t, out.Bytes, got.ExportedBytes)
	assert.InDelta(t, float64(out.Bytes)/1e9*perGB+float64(out.Records)/1e6*perMillion, got.ListCost, 1e-8)
	assert.InDelta(t, float64(in.Bytes)/1e9*perGB+float64(in.Records)/1e6*perMillion, got.IngestedCost, 1e-8)
	assert.InDelta(t, got.IngestedCost-got.ListCost, got.SavedCost, 1e-8)
}

func newSampler(t *testing.T, next consumer.Traces) processor.Traces {
	f := probabilisticsamplerprocessor.NewFactory()
	cfg := f.CreateDefaultConfig().(*probabilisticsamplerprocessor.Config)
	cfg.SamplingPercentage = 25
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	return started(t, p, err)
}

func newTailSampler(t *testing.T, next consumer.Traces) processor.Traces {
	f := tailsamplerprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"decision_wait": "2s",
		"rules": []any{
			map[string]any{"name": "errors", "type": "status_code", "status_code": map[string]any{"codes": []any{"ERROR"}}},
			map[string]any{"name": "slow", "type": "duration", "duration": map[string]any{"min": "1s"}},
			map[string]any{"name": "rest", "type": "default", "probability": 0.1},
		},
	}).Unmarshal(cfg))
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	return started(t, p, err)
}

func newLogBudget(t *testing.T, next consumer.Logs) processor.Logs {
	f := logbudgetprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"budget": map[string]any{"records_per_second": 1, "records_burst": 200},
		"dedup":  map[string]any{"enabled": true, "window": "10s"},
	}).Unmarshal(cfg))
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	return started(t, p, err)
}

func newLogFilter(t *testing.T, next consumer.Logs) processor.Logs {
	f := filterprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"error_mode": "ignore",
		"logs": map[string]any{
			"log_record": []any{"severity_number < SEVERITY_NUMBER_WARN"},
		},
	}).Unmarshal(cfg))
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	return started(t, p, err)
}

func mustInt(t *testing.T, s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return v
}

func mustFloat(t *testing.T, s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err)
	return v
}
