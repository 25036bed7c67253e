package costreportexporter

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.yaml.in/yaml/v3"

	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/logbudgetprocessor"
)

func TestAdvise(t *testing.T) {
	for _, tc := range []struct {
		name   string
		v      patternVol
		action string
		saved  float64
		risk   string
	}{
		{"errors are kept", patternVol{Records: 100, Errors: 2, Windows: 1}, actionKeep, 0, "high"},
		{"repeats dedup", patternVol{Records: 1000, Windows: 10}, actionDedup, 0.99, "low"},
		{"traced repeats dedup with care", patternVol{Records: 1000, Windows: 10, Traced: true}, actionDedup, 0.99, "medium"},
		{"untraced debug drops", patternVol{Records: 50, Debug: 50, Windows: 20}, actionDrop, 1, "low"},
		{"traced debug samples", patternVol{Records: 50, Debug: 50, Windows: 20, Traced: true}, actionSample, 0.9, "medium"},
		{"rare info samples", patternVol{Records: 50, Windows: 20}, actionSample, 0.9, "low"},
		{"one error in 1000 samples", patternVol{Records: 1000, Errors: 1, Windows: 500}, actionSample, 0.9 * 0.999, "medium"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := advise(tc.v)
			assert.Equal(t, tc.action, a.Action)
			assert.InDelta(t, tc.saved, a.SavedFraction, 1e-12)
			assert.Equal(t, tc.risk, a.Risk)
			assert.NotEmpty(t, a.Reason)
		})
	}
}

func TestPatternTableBounded(t *testing.T) {
	cal, err := newCalendar("UTC")
	require.NoError(t, err)
	cfg := testConfig("d", StageExported)
	cfg.Patterns.MaxPatterns = 2
	b := newPatternBook(cfg, cal)
	now := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	b.add(StageExported, now, tallyOf(t, 5,
		patternKey{"a", "t1"}, patternKey{"a", "t2"}, patternKey{"b", "t1"}, patternKey{"a", "t1"}))
	d, ok := b.day(cal.dayStart(now.Unix()))
	require.True(t, ok)
	assert.Len(t, d.Stats, 2)
	assert.Equal(t, volume{Records: 1, Bytes: 10}, d.Overflow[1], "the third pattern overflows, counted")
	assert.Equal(t, int64(2), d.Stats[patternKey{"a", "t1"}].Vol[1].Records, "known patterns still count when full")
	assert.Equal(t, int64(5), d.Unannotated[1])
}

// Workload of `make reduction-logs` (processor/logbudgetprocessor
// reduction_test.go): seed 42, 10 services, 200,000 records in requests of
// 1,000.
const (
	patternSeed     = 42
	patternServices = 10
	patternRecords  = 200_000
	patternBatch    = 1000
)

// patternTruth is the recomputation: records and bytes per pattern of the
// records that reach the meter.
type patternTruth map[patternKey]*volume

func (pt patternTruth) add(ld plog.Logs) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		svc, _ := rl.Resource().Attributes().Get("service.name")
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			lrs := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				id, ok := lr.Attributes().Get(attrTemplateID)
				if !ok {
					continue
				}
				key := patternKey{Service: svc.Str(), TemplateID: id.Str()}
				if pt[key] == nil {
					pt[key] = &volume{}
				}
				pt[key].Records++
				pt[key].Bytes += int64((&plog.ProtoMarshaler{}).LogRecordSize(lr))
			}
		}
	}
}

func newLogBudgetWith(t testing.TB, tel *componenttest.Telemetry, conf map[string]any, next consumer.Logs) processor.Logs {
	t.Helper()
	f := logbudgetprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(conf).Unmarshal(cfg))
	require.NoError(t, confmap.Validate(cfg))
	set := processortest.NewNopSettings(f.Type())
	if tel != nil {
		set.TelemetrySettings = tel.NewTelemetrySettings()
	}
	p, err := f.CreateLogs(context.Background(), set, cfg, next)
	return started(t, p, err)
}

// suggestedLogBudget reads the log_budget section of the report's YAML.
func suggestedLogBudget(t *testing.T, doc string) map[string]any {
	t.Helper()
	var y struct {
		Processors map[string]map[string]any `yaml:"processors"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(doc), &y), doc)
	lb := y.Processors["log_budget"]
	require.NotNil(t, lb, doc)
	return lb
}

// TestPatternsOnReductionWorkload runs the reduction workload through
// log_budget (annotate, nothing dropped) into cost_report, and beside it
// through log_budget configured as the report suggests (dry run). The top
// patterns must match a recomputation from the metered records within 1%
// (records and bytes), and the dry run's projected savings the report's
// prediction within 5%.
func TestPatternsOnReductionWorkload(t *testing.T) {
	if testing.Short() {
		t.Skip("200,000 records")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cfg := testConfig(dir, StageExported)
	cfg.Prices.PerGB.Logs, cfg.Prices.PerMillionRecords = 0.50, 1.70
	// Short windows, so that the run (a few seconds) spans many of them.
	cfg.Patterns.DedupWindow = 100 * time.Millisecond
	meter := startLogs(t, newFactory(time.Now), settings("out"), cfg)

	// The dry run, configured as the suggested YAML will say (checked below).
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(ctx)) }()
	dryConf := map[string]any{"annotate": true, "dry_run": true,
		"dedup": map[string]any{"enabled": true, "window": cfg.Patterns.DedupWindow.String()}}
	dry := newLogBudgetWith(t, tel, dryConf, consumertest.NewNop())

	truth := patternTruth{}
	next, err := consumer.NewLogs(func(ctx context.Context, ld plog.Logs) error {
		truth.add(ld)
		if err := meter.ConsumeLogs(ctx, ld); err != nil {
			return err
		}
		return dry.ConsumeLogs(ctx, ld)
	})
	require.NoError(t, err)
	annotate := newLogBudgetWith(t, nil, map[string]any{"annotate": true, "dedup": map[string]any{"enabled": false}}, next)

	gen := workload.NewLogGenerator(workload.LogOptions{Seed: patternSeed, Services: patternServices})
	inPerService := map[string]int64{}
	for sent := 0; sent < patternRecords; sent += patternBatch {
		ld := gen.Batch(patternBatch)
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			svc, _ := ld.ResourceLogs().At(i).Resource().Attributes().Get("service.name")
			for j := 0; j < ld.ResourceLogs().At(i).ScopeLogs().Len(); j++ {
				inPerService[svc.Str()] += int64(ld.ResourceLogs().At(i).ScopeLogs().At(j).LogRecords().Len())
			}
		}
		require.NoError(t, annotate.ConsumeLogs(ctx, ld))
	}
	for _, c := range []component.Component{annotate, dry, meter} {
		require.NoError(t, c.Shutdown(ctx))
	}

	files, err := filepath.Glob(filepath.Join(dir, "daily", "log-patterns-*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1, "the test must not cross midnight UTC")
	var pr patternReport
	decodeFile(t, files[0], &pr)
	require.Len(t, pr.Top, 20)
	assert.Zero(t, pr.OverflowRecords)
	assert.Zero(t, pr.UnannotatedRecords)
	assert.Equal(t, int64(patternRecords), pr.Records, "every record is in one pattern")
	perService := map[string]int64{}
	for k, v := range truth {
		perService[k.Service] += v.Records
	}
	assert.Equal(t, inPerService, perService, "log_budget passed every input record")

	checkTopAgainstTruth(t, &pr, truth)
	checkDryRunAgainstPrediction(t, &pr, tel, cfg)
	assert.Equal(t, dryConf, normalizeYAML(suggestedLogBudget(t, pr.LogBudgetYAML)), "the dry run ran what the report suggests")
}

func checkTopAgainstTruth(t *testing.T, pr *patternReport, truth patternTruth) {
	t.Helper()
	var worstRec, worstBytes float64
	for _, l := range pr.Top {
		want := truth[patternKey{l.Service, l.TemplateID}]
		require.NotNil(t, want, "%s %s", l.Service, l.TemplateID)
		worstRec = max(worstRec, math.Abs(float64(l.Records-want.Records))/float64(want.Records))
		worstBytes = max(worstBytes, math.Abs(float64(l.Bytes-want.Bytes))/float64(want.Bytes))
	}
	assert.LessOrEqual(t, worstRec, 0.01)
	assert.LessOrEqual(t, worstBytes, 0.01)
	// Nothing outside the top costs more than its last line.
	for k, v := range truth {
		in := false
		for _, l := range pr.Top {
			in = in || (l.Service == k.Service && l.TemplateID == k.TemplateID)
		}
		if !in {
			cost := float64(v.Bytes)/1e9*0.50 + float64(v.Records)/1e6*1.70
			assert.LessOrEqual(t, cost, pr.Top[len(pr.Top)-1].ListCost+1e-9, "%v ranks below the top", k)
		}
	}
	t.Logf("top %d patterns vs recomputation: worst records error %.4f%%, worst bytes error %.4f%%",
		len(pr.Top), 100*worstRec, 100*worstBytes)
}

// checkDryRunAgainstPrediction compares, over the top patterns advised to
// dedup, the money log_budget's dry run says dedup would drop with what
// the report predicted (saving per day back to the observed period).
func checkDryRunAgainstPrediction(t *testing.T, pr *patternReport, tel *componenttest.Telemetry, cfg *Config) {
	t.Helper()
	recs := dryRunByTemplate(t, tel, "otelcol_processor_log_budget_dry_run_records")
	bytes := dryRunByTemplate(t, tel, "otelcol_processor_log_budget_dry_run_bytes")
	var predicted, projected float64
	n := 0
	for _, l := range pr.Top {
		if l.Advice.Action != actionDedup {
			continue
		}
		n++
		predicted += l.Advice.SavingPerDay * pr.ObservedHours / 24
		k := patternKey{l.Service, l.TemplateID}
		projected += float64(bytes[k])/1e9*cfg.Prices.PerGB.Logs + float64(recs[k])/1e6*cfg.Prices.PerMillionRecords
	}
	require.Positive(t, n, "some top patterns are advised to dedup")
	rel := math.Abs(predicted-projected) / projected
	t.Logf("%d dedup patterns in the top %d: predicted saving %.6f, dry run projects %.6f %s (%.2f%% apart)",
		n, len(pr.Top), predicted, projected, pr.Currency, 100*rel)
	assert.LessOrEqual(t, rel, 0.05)
}

// dryRunByTemplate sums a log_budget dry-run counter of reason dedup by
// service (its keys are service/environment) and template ID.
func dryRunByTemplate(t *testing.T, tel *componenttest.Telemetry, name string) map[patternKey]int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err)
	out := map[patternKey]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if r, _ := dp.Attributes.Value("reason"); r.AsString() != "dedup" {
			continue
		}
		tmpl, _ := dp.Attributes.Value("template")
		key, _ := dp.Attributes.Value("key")
		service, _, _ := strings.Cut(key.AsString(), "/")
		out[patternKey{service, tmpl.AsString()}] += dp.Value
	}
	return out
}

// normalizeYAML turns YAML-decoded values into what the dry-run config map
// holds (durations as strings, nested maps as map[string]any).
func normalizeYAML(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = normalizeYAML(sub)
		}
		out[k] = v
	}
	return out
}

func decodeFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v), path)
}

func TestPatternDaysPrunedWithTheLedger(t *testing.T) {
	cal, err := newCalendar("UTC")
	require.NoError(t, err)
	b := newPatternBook(testConfig("d", StageExported), cal)
	day1 := time.Date(2026, 11, 21, 23, 0, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Hour)
	b.add(StageExported, day1, tallyOf(t, 0, patternKey{"a", "t"}))
	b.add(StageExported, day2, tallyOf(t, 0, patternKey{"a", "t"}))
	b.prune(func(start int64) bool { return start == cal.dayStart(day2.Unix()) })
	_, ok := b.day(cal.dayStart(day1.Unix()))
	assert.False(t, ok, "the written day is gone")
	_, ok = b.day(cal.dayStart(day2.Unix()))
	assert.True(t, ok, "the open day stays")
}

// tallyOf is a batch's tally of one 10-byte INFO record per key (in
// separate entries, as runs of a pattern too far apart to merge are) and
// unannotated records without a template ID.
func tallyOf(t *testing.T, unannotated int64, keys ...patternKey) *patternTally {
	t.Helper()
	tally := newPatternTally()
	for _, k := range keys {
		lr := plog.NewLogRecord()
		lr.Attributes().PutStr(attrTemplate, k.TemplateID+" text")
		pos := tally.add(tally.service(k.Service), parseTemplateID(k.TemplateID), lr)
		tally.recs[pos].records, tally.recs[pos].bytes = 1, 10
	}
	tally.unannotated = unannotated
	return tally
}

// A batch of many services numbers each once, in order of first sight,
// past the count where the tally switches from a linear search to a map.
func TestPatternTallyManyServices(t *testing.T) {
	tally := newPatternTally()
	for round := 0; round < 2; round++ {
		tally.reset()
		for pass := 0; pass < 2; pass++ {
			for i := 0; i < 3*linearServices; i++ {
				assert.Equal(t, uint32(i), tally.service(fmt.Sprintf("svc-%d", i)))
			}
		}
		assert.Len(t, tally.services, 3*linearServices)
	}
}
