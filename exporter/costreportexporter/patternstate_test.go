package costreportexporter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// recordsOf is one resource of service with one record per ID, as
// log_budget annotates them (the template is "<id> text").
func recordsOf(service string, ids ...string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", service)
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for _, id := range ids {
		lr := lrs.AppendEmpty()
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.Body().SetStr("message of " + id)
		lr.Attributes().PutStr(attrTemplate, id+" text")
		lr.Attributes().PutStr(attrTemplateID, id)
	}
	return ld
}

func patternsOf(t *testing.T, path string) map[patternKey]patternLine {
	t.Helper()
	var pr patternReport
	decodeFile(t, path, &pr)
	out := map[patternKey]patternLine{}
	for _, l := range pr.Top {
		out[patternKey{l.Service, l.TemplateID}] = l
	}
	return out
}

// TestPatternTableSurvivesRestart meters annotated logs, restarts, meters
// more: the day's pattern table adds all runs, with the state in the
// directory and in a storage extension alike.
func TestPatternTableSurvivesRestart(t *testing.T) {
	const hexID = "00000000000000ff"
	for _, withStorage := range []bool{false, true} {
		t.Run(map[bool]string{false: "directory", true: "storage"}[withStorage], func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cfg := testConfig(dir, StageExported)
			cfg.Patterns.DedupWindow = time.Minute
			var host component.Host = componenttest.NewNopHost()
			if withStorage {
				id := component.MustNewIDWithName("file_storage", "costs")
				host = extHost{Host: host, exts: map[component.ID]component.Component{id: &memStorage{data: map[string][]byte{}}}}
				cfg.Storage = &id
			}
			clock := newFakeClock("2026-11-22T02:15:00Z")
			run := func(ld plog.Logs) {
				f := newFactory(clock.Now)
				e, err := f.CreateLogs(ctx, settings(""), cfg)
				require.NoError(t, err)
				require.NoError(t, e.Start(ctx, host))
				require.NoError(t, e.ConsumeLogs(ctx, ld))
				require.NoError(t, e.Shutdown(ctx))
			}
			run(recordsOf("checkout", hexID, hexID, "text-id"))
			clock.Set("2026-11-22T02:15:30Z") // within the dedup window opened at 02:15
			run(recordsOf("checkout", hexID, "text-id"))
			clock.Set("2026-11-22T05:00:00Z")
			run(recordsOf("search", hexID))

			got := patternsOf(t, filepath.Join(dir, "daily", "log-patterns-2026-11-22.json"))
			require.Len(t, got, 3)
			hex := got[patternKey{"checkout", hexID}]
			assert.Equal(t, int64(3), hex.Records, "both runs count")
			assert.Equal(t, hexID+" text", hex.Template)
			assert.Equal(t, int64(2), got[patternKey{"checkout", "text-id"}].Records)
			assert.Equal(t, int64(1), got[patternKey{"search", hexID}].Records)
			one := int64(logSizer.LogRecordSize(recordsOf("checkout", hexID).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)))
			assert.Equal(t, 3*one, hex.Bytes)
			var pr patternReport
			decodeFile(t, filepath.Join(dir, "daily", "log-patterns-2026-11-22.json"), &pr)
			assert.InDelta(t, 2.75, pr.ObservedHours, 1e-9, "02:15 to 05:00, across the restarts")
		})
	}
}

// TestPatternStateRoundTrip encodes a table (hex and text IDs, both
// stages, overflow, unannotated, an open dedup window) and restores it.
func TestPatternStateRoundTrip(t *testing.T) {
	cal, err := newCalendar("UTC")
	require.NoError(t, err)
	cfg := testConfig("d", StageExported)
	cfg.Patterns.MaxPatterns = 3
	b := newPatternBook(cfg, cal)
	now := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	b.add(StageExported, now, tallyOf(t, 2, patternKey{"a", "00000000000000ff"}, patternKey{"a", "t"}, patternKey{"b", "t"}, patternKey{"c", "t"}))
	b.add(StageIngested, now.Add(time.Hour), tallyOf(t, 1, patternKey{"a", "00000000000000ff"}))
	b.add(StageExported, now.Add(25*time.Hour), tallyOf(t, 0, patternKey{"a", "t"}))
	data, err := b.encode()
	require.NoError(t, err)
	state := []byte(`{"version":1,"patterns":` + string(data) + `}`)

	back := newPatternBook(cfg, cal)
	require.NoError(t, back.restore(state))
	for _, at := range []time.Time{now, now.Add(25 * time.Hour)} {
		want, ok := b.day(cal.dayStart(at.Unix()))
		require.True(t, ok)
		got, ok := back.day(cal.dayStart(at.Unix()))
		require.True(t, ok)
		assert.Equal(t, want, got)
	}
	d, _ := back.day(cal.dayStart(now.Unix()))
	assert.Equal(t, int64(3600), d.Last-d.First)
	assert.Equal(t, [2]int64{1, 2}, d.Unannotated)
	assert.Equal(t, volume{Records: 1, Bytes: 10}, d.Overflow[1])
	assert.Equal(t, now.Add(cfg.Patterns.DedupWindow).UnixNano(), d.Stats[patternKey{"a", "t"}].Vol[1].WindowEnd)

	// The next batch goes on from the restored table: no new window
	// within the open one, and the bound still holds.
	back.add(StageExported, now.Add(time.Second), tallyOf(t, 0, patternKey{"a", "t"}, patternKey{"d", "t"}))
	d, _ = back.day(cal.dayStart(now.Unix()))
	assert.Equal(t, patternVol{Records: 2, Bytes: 20, Windows: 1, WindowEnd: now.Add(cfg.Patterns.DedupWindow).UnixNano()}, d.Stats[patternKey{"a", "t"}].Vol[1])
	assert.Len(t, d.Stats, 3)
	assert.Equal(t, volume{Records: 2, Bytes: 20}, d.Overflow[1])

	// A smaller max_patterns keeps the first patterns, the rest overflow.
	cfg.Patterns.MaxPatterns = 1
	small := newPatternBook(cfg, cal)
	require.NoError(t, small.restore(state))
	d, _ = small.day(cal.dayStart(now.Unix()))
	assert.Len(t, d.Stats, 1)
	assert.Equal(t, volume{Records: 3, Bytes: 30}, d.Overflow[1])
}

func TestPatternStateUnreadable(t *testing.T) {
	cal, err := newCalendar("UTC")
	require.NoError(t, err)
	b := newPatternBook(testConfig("d", StageExported), cal)
	require.NoError(t, b.restore([]byte(`{"version":1}`)), "a state from before the table was saved")
	for _, bad := range []string{
		`{"patterns":{"version":2,"time_zone":"UTC"}}`,
		`{"patterns":{"version":1,"time_zone":"Europe/Berlin"}}`,
		`{"patterns":{"version":1,"time_zone":"UTC","days":[{"start":"yesterday"}]}}`,
		`{"patterns":{"version":1,"time_zone":"UTC","days":[{"start":"2026-11-22T02:00:00Z"}]}}`,
		`{"patterns":{"version":1,"time_zone":"UTC","days":[{"start":"2026-11-22T00:00:00Z","patterns":[{"service":"a"}]}]}}`,
		`{"patterns":{"version":1,"time_zone":"UTC","days":[{"start":"2026-11-22T00:00:00Z","patterns":[{"service":"a","template_id":"t"},{"service":"a","template_id":"t"}]}]}}`,
		`{"patterns":[]}`,
	} {
		assert.Error(t, b.restore([]byte(bad)), bad)
	}
}

// TestUnreadablePatternStateKeepsLedger starts from a state whose ledger
// is good and whose pattern table is not: the ledger is restored, the
// table starts empty, with a warning, and the state is not set aside.
func TestUnreadablePatternStateKeepsLedger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	state := `{"version":1,"billed_on_exported":[],"days":[],"hours":[{"start":"2026-11-22T02:00:00Z","keys":[{"team":"t","service":"a","environment":"p","signal":"logs","ingested_records":0,"ingested_bytes":0,"exported_records":5,"exported_bytes":500}]}],"patterns":{"version":99}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, stateFileName), []byte(state), 0o644))
	core, logs := observer.New(zap.WarnLevel)
	set := settings("")
	set.Logger = zap.New(core)
	e := startLogs(t, newFactory(newFakeClock("2026-11-22T02:15:00Z").Now), set, testConfig(dir, StageExported))
	require.NoError(t, e.ConsumeLogs(ctx, recordsOf("a", "t")))
	require.NoError(t, e.Shutdown(ctx))
	assert.NoFileExists(t, filepath.Join(dir, stateFileName+".corrupt"))
	assert.Equal(t, 1, logs.FilterMessage("Log pattern table not restored; starting it empty").Len())
	s := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(6), s.Total.ExportedRecords, "the restored ledger goes on")
	got := patternsOf(t, filepath.Join(dir, "daily", "log-patterns-2026-11-22.json"))
	assert.Equal(t, int64(1), got[patternKey{"a", "t"}].Records, "the table started empty")
}
