package costreportexporter

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/exporter/costreportexporter/internal/metadatatest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenWorkload meters a known input at 2026-11-22T02:15:00Z through an
// ingested instance (traces, logs and metrics sides) and an exported one
// (traces), all writing to dir, and shuts them down.
func goldenWorkload(t *testing.T, dir string) {
	ctx := context.Background()
	clock := newFakeClock("2026-11-22T02:15:00Z")
	f := newFactory(clock.Now)
	in := testConfig(dir, StageIngested)
	out := testConfig(dir, StageExported)

	tin := startTraces(t, f, settings("in"), in)
	lin := startLogs(t, f, settings("in"), in)
	min := startMetrics(t, f, settings("in"), in)
	tout := startTraces(t, f, settings("out"), out)

	require.NoError(t, tin.ConsumeTraces(ctx, makeTraces(res{"checkout", "prod", "payments", 10}, res{"search", "prod", "", 4})))
	require.NoError(t, tin.ConsumeTraces(ctx, makeTraces(res{"checkout", "prod", "payments", 10})))
	require.NoError(t, tout.ConsumeTraces(ctx, makeTraces(res{"checkout", "prod", "payments", 3})))
	require.NoError(t, lin.ConsumeLogs(ctx, makeLogs(res{"checkout", "prod", "payments", 5}, res{"cart", "dev", "", 2})))
	require.NoError(t, min.ConsumeMetrics(ctx, makeMetrics(res{"checkout", "prod", "payments", 6})))

	for _, c := range []component.Component{tin, lin, min} {
		require.NoError(t, c.Shutdown(ctx))
	}
	// Nothing is written while one user of the ledger is still running.
	_, err := os.Stat(filepath.Join(dir, "hourly"))
	require.True(t, os.IsNotExist(err), "reports written before the last shutdown")
	require.NoError(t, tout.Shutdown(ctx))
}

func TestGoldenFOCUSFiles(t *testing.T) {
	dir := t.TempDir()
	goldenWorkload(t, dir)

	for _, f := range []struct{ got, golden string }{
		{filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.csv"), "focus-hourly.csv"},
		{filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"), "focus-hourly.json"},
		{filepath.Join(dir, "daily", "focus-2026-11-22.csv"), "focus-daily.csv"},
	} {
		assertGolden(t, f.got, f.golden)
	}
	for _, name := range []string{"daily/focus-2026-11-22.json", "daily/cost-report-2026-11-22.html", stateFileName} {
		assert.FileExists(t, filepath.Join(dir, name))
	}
	// No temporary files are left behind by the atomic writes.
	for _, sub := range []string{".", "hourly", "daily"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		require.NoError(t, err)
		for _, e := range entries {
			assert.NotContains(t, e.Name(), ".tmp-")
		}
	}
}

// The hourly and daily reports of one hour carry the same totals, and the
// traces side is billed on its exported volume while logs and metrics, with
// no exported meter, are billed on what was ingested.
func TestSharedLedgerTotals(t *testing.T) {
	dir := t.TempDir()
	goldenWorkload(t, dir)
	hourly := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	daily := readSummary(t, filepath.Join(dir, "daily", "focus-2026-11-22.json"))
	assert.Equal(t, hourly.Total, daily.Total)
	assert.Equal(t, "2026-11-22T00:00:00Z", daily.ChargePeriodStart)
	assert.Equal(t, "2026-11-23T00:00:00Z", daily.ChargePeriodEnd)

	tr := hourly.BySignal["traces"]
	assert.Equal(t, int64(24), tr.IngestedRecords)
	assert.Equal(t, int64(3), tr.ExportedRecords)
	ingestedBytes := int64((&ptrace.ProtoMarshaler{}).TracesSize(makeTraces(res{"checkout", "prod", "payments", 10}, res{"search", "prod", "", 4}))) +
		int64((&ptrace.ProtoMarshaler{}).TracesSize(makeTraces(res{"checkout", "prod", "payments", 10})))
	assert.Equal(t, ingestedBytes, tr.IngestedBytes)
	exportedBytes := int64((&ptrace.ProtoMarshaler{}).TracesSize(makeTraces(res{"checkout", "prod", "payments", 3})))
	assert.Equal(t, exportedBytes, tr.ExportedBytes)
	wantList := roundMoney(float64(exportedBytes)/1e9*0.40) + roundMoney(3/1e6*2.50)
	wantIngested := roundMoney(float64(ingestedBytes)/1e9*0.40) + roundMoney(24/1e6*2.50)
	assert.InDelta(t, wantList, tr.ListCost, 1e-9)
	assert.InDelta(t, wantIngested, tr.IngestedCost, 1e-9)
	assert.InDelta(t, wantIngested-wantList, tr.SavedCost, 1e-9)

	logs := hourly.BySignal["logs"]
	assert.Equal(t, int64(7), logs.IngestedRecords)
	assert.Equal(t, int64(0), logs.ExportedRecords)
	assert.Equal(t, logs.IngestedCost, logs.ListCost, "logs have no exported meter: billed on ingested")
	assert.Zero(t, logs.SavedCost)
	assert.Equal(t, int64(6), hourly.BySignal["metrics"].IngestedRecords)

	assert.Equal(t, int64(24+7+6), hourly.Total.IngestedRecords)
	assert.Contains(t, hourly.ByTeam, "discovery", "service_teams map applied")
	assert.Contains(t, hourly.ByTeam, "unassigned")
	assert.Contains(t, hourly.ByTeam, "payments")
}

func TestRestartNoDoubleCounting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newFakeClock("2026-11-22T02:15:00Z")
	run := func(spans int) {
		f := newFactory(clock.Now)
		e := startTraces(t, f, settings(""), testConfig(dir, StageIngested))
		require.NoError(t, e.ConsumeTraces(ctx, makeTraces(res{"checkout", "prod", "payments", spans})))
		require.NoError(t, e.Shutdown(ctx))
	}
	run(10)
	first := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(10), first.Total.IngestedRecords)

	clock.Set("2026-11-22T02:40:00Z")
	run(5)
	second := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(15), second.Total.IngestedRecords, "the restored hour continues, counted once")
	oneBatch := int64((&ptrace.ProtoMarshaler{}).TracesSize(makeTraces(res{"checkout", "prod", "payments", 10})))
	otherBatch := int64((&ptrace.ProtoMarshaler{}).TracesSize(makeTraces(res{"checkout", "prod", "payments", 5})))
	assert.Equal(t, oneBatch+otherBatch, second.Total.IngestedBytes)

	// A restart the next day finishes the old day and starts a new one.
	clock.Set("2026-11-23T00:10:00Z")
	run(1)
	old := readSummary(t, filepath.Join(dir, "daily", "focus-2026-11-22.json"))
	assert.Equal(t, int64(15), old.Total.IngestedRecords)
	day := readSummary(t, filepath.Join(dir, "daily", "focus-2026-11-23.json"))
	assert.Equal(t, int64(1), day.Total.IngestedRecords)
	state, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	assert.NotContains(t, string(state), "2026-11-22T", "closed days leave the state")
}

func TestHourRollover(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newFakeClock("2026-11-22T02:59:59Z")
	f := newFactory(clock.Now)
	e := startLogs(t, f, settings(""), testConfig(dir, StageIngested))
	require.NoError(t, e.ConsumeLogs(ctx, makeLogs(res{"checkout", "prod", "", 2})))
	clock.Set("2026-11-22T03:00:00Z") // start inclusive: this belongs to 03:00
	require.NoError(t, e.ConsumeLogs(ctx, makeLogs(res{"checkout", "prod", "", 3})))
	require.NoError(t, e.Shutdown(ctx))

	_, h2 := readCSV(t, hourlyPath(dir, "2026-11-22T02"))
	_, h3 := readCSV(t, hourlyPath(dir, "2026-11-22T03"))
	require.Len(t, h2, 2)
	require.Len(t, h3, 2)
	assert.Equal(t, "2026-11-22T03:00:00Z", h2[0]["ChargePeriodEnd"])
	assert.Equal(t, "2026-11-22T03:00:00Z", h3[0]["ChargePeriodStart"])
	assert.Equal(t, "2", h2[1]["ConsumedQuantity"])
	assert.Equal(t, "3", h3[1]["ConsumedQuantity"])
	daily := readSummary(t, filepath.Join(dir, "daily", "focus-2026-11-22.json"))
	assert.Equal(t, int64(5), daily.Total.IngestedRecords)

	// The closed, written hour left the ledger; its day keeps the total.
	raw, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	var st ledgerState
	require.NoError(t, json.Unmarshal(raw, &st))
	require.Len(t, st.Hours, 1)
	assert.Equal(t, "2026-11-22T03:00:00Z", st.Hours[0].Start)
	require.Len(t, st.Days, 1)
	assert.Equal(t, int64(5), st.Days[0].Keys[0].IngestedRecords)

	// After a restart the day goes on from 5; the closed hour's file stays.
	clock.Set("2026-11-22T03:30:00Z")
	e = startLogs(t, newFactory(clock.Now), settings(""), testConfig(dir, StageIngested))
	require.NoError(t, e.ConsumeLogs(ctx, makeLogs(res{"checkout", "prod", "", 1})))
	require.NoError(t, e.Shutdown(ctx))
	daily = readSummary(t, filepath.Join(dir, "daily", "focus-2026-11-22.json"))
	assert.Equal(t, int64(6), daily.Total.IngestedRecords)
	_, h2 = readCSV(t, hourlyPath(dir, "2026-11-22T02"))
	_, h3 = readCSV(t, hourlyPath(dir, "2026-11-22T03"))
	assert.Equal(t, "2", h2[1]["ConsumedQuantity"])
	assert.Equal(t, "4", h3[1]["ConsumedQuantity"])
}

func TestPeriodicFlushWritesOpenPeriod(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newFakeClock("2026-11-22T02:15:00Z")
	reg := newRegistry(clock.Now)
	e := startLogs(t, reg.factory(), settings(""), testConfig(dir, StageIngested))
	require.NoError(t, e.ConsumeLogs(ctx, makeLogs(res{"checkout", "prod", "", 2})))
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	sl := reg.ledgers[abs]
	require.NotNil(t, sl)

	// What the background writer does every flush_interval.
	require.NoError(t, sl.flush(ctx))
	s := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(2), s.Total.IngestedRecords)
	before, err := os.Stat(hourlyPath(dir, "2026-11-22T02"))
	require.NoError(t, err)

	// Nothing changed: the next flush writes nothing.
	require.NoError(t, sl.flush(ctx))
	after, err := os.Stat(hourlyPath(dir, "2026-11-22T02"))
	require.NoError(t, err)
	assert.Equal(t, before.ModTime(), after.ModTime())

	require.NoError(t, e.ConsumeLogs(ctx, makeLogs(res{"checkout", "prod", "", 3})))
	require.NoError(t, e.Shutdown(ctx))
	s = readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(5), s.Total.IngestedRecords, "shutdown writes the partial period")
	assert.Empty(t, reg.ledgers, "the last shutdown releases the ledger")
}

func TestConflictingSettingsRejected(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := newFactory(newFakeClock("2026-11-22T02:15:00Z").Now)
	a := startTraces(t, f, settings("a"), testConfig(dir, StageIngested))
	other := testConfig(dir, StageExported)
	other.Prices.PerGB.Traces = 9
	b, err := f.CreateTraces(ctx, settings("b"), other)
	require.NoError(t, err)
	err = b.Start(ctx, componenttest.NewNopHost())
	require.ErrorContains(t, err, "directory: ")
	require.ErrorContains(t, err, "cost_report/a")
	require.NoError(t, b.Shutdown(ctx))
	require.NoError(t, a.Shutdown(ctx))

	// A different directory is a different ledger.
	c := startTraces(t, f, settings("c"), testConfig(t.TempDir(), StageExported))
	require.NoError(t, c.Shutdown(ctx))
}

func TestUnusableDirectoryFailsStart(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	e, err := newFactory(time.Now).CreateLogs(ctx, settings(""), testConfig(filepath.Join(file, "reports"), StageIngested))
	require.NoError(t, err)
	require.ErrorContains(t, e.Start(ctx, componenttest.NewNopHost()), "directory: ")
	require.NoError(t, e.Shutdown(ctx))
}

func TestConsumeBeforeStart(t *testing.T) {
	f := newFactory(newFakeClock("2026-11-22T02:15:00Z").Now)
	e, err := f.CreateTraces(context.Background(), settings(""), testConfig(t.TempDir(), StageIngested))
	require.NoError(t, err)
	require.ErrorIs(t, e.ConsumeTraces(context.Background(), makeTraces(res{"a", "b", "c", 1})), errNotStarted)
	require.NoError(t, e.Shutdown(context.Background()))
	require.NoError(t, e.Shutdown(context.Background()), "shutdown is idempotent")
}

func TestCorruptStateSetAside(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, stateFileName), []byte("{not json"), 0o644))
	f := newFactory(newFakeClock("2026-11-22T02:15:00Z").Now)
	e := startTraces(t, f, settings(""), testConfig(dir, StageIngested))
	require.NoError(t, e.ConsumeTraces(ctx, makeTraces(res{"a", "b", "c", 1})))
	require.NoError(t, e.Shutdown(ctx))
	assert.FileExists(t, filepath.Join(dir, stateFileName+".corrupt"))
	s := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(1), s.Total.IngestedRecords)
}

func TestWriteFailureKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// A file where the hourly folder should be: hourly writes fail.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hourly"), nil, 0o644))
	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(ctx)) }()
	set := metadatatest.NewSettings(tt)
	clock := newFakeClock("2026-11-22T02:15:00Z")
	e, err := newFactory(clock.Now).CreateTraces(ctx, set, testConfig(dir, StageIngested))
	require.NoError(t, err)
	require.NoError(t, e.Start(ctx, componenttest.NewNopHost()))
	require.NoError(t, e.ConsumeTraces(ctx, makeTraces(res{"a", "b", "c", 2})))
	err = e.Shutdown(ctx)
	require.ErrorContains(t, err, filepath.Join(dir, "hourly"))
	metadatatest.AssertEqualCostReportReportWriteErrors(t, tt, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())

	// The state kept the volume: once the folder is usable, a restart
	// writes the hour with nothing lost.
	require.NoError(t, os.Remove(filepath.Join(dir, "hourly")))
	e = startTraces(t, newFactory(clock.Now), settings(""), testConfig(dir, StageIngested))
	require.NoError(t, e.Shutdown(ctx))
	s := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(2), s.Total.IngestedRecords)
}

func TestMaxKeysOverflow(t *testing.T) {
	l := newLedger(2, utcCalendar)
	now := newFakeClock("2026-11-22T02:15:00Z").Now()
	h := now.Unix() - now.Unix()%3600
	entries := []meterEntry{
		{key: costKey{Team: "t", Service: "a", Env: "p", Signal: signalLogs}, vol: volume{Records: 1, Bytes: 10}},
		{key: costKey{Team: "t", Service: "b", Env: "p", Signal: signalLogs}, vol: volume{Records: 2, Bytes: 20}},
		{key: costKey{Team: "t", Service: "c", Env: "p", Signal: signalLogs}, vol: volume{Records: 3, Bytes: 30}},
		{key: costKey{Team: "t", Service: "d", Env: "p", Signal: signalLogs}, vol: volume{Records: 4, Bytes: 40}},
		{key: costKey{Team: "t", Service: "a", Env: "p", Signal: signalLogs}, vol: volume{Records: 5, Bytes: 50}},
	}
	assert.Equal(t, int64(7), l.add(StageIngested, now, entries))
	of := l.hours.m[h][costKey{Team: overflowValue, Service: overflowValue, Env: overflowValue, Signal: signalLogs}]
	require.NotNil(t, of)
	assert.Equal(t, volume{Records: 7, Bytes: 70}, of.In)
	assert.Equal(t, volume{Records: 6, Bytes: 60}, l.hours.m[h][costKey{Team: "t", Service: "a", Env: "p", Signal: signalLogs}].In)
	assert.Len(t, l.hours.m[h], 3, "max_keys plus the overflow key")
}

func TestLedgerStateRoundTrip(t *testing.T) {
	l := newLedger(10, utcCalendar)
	now := newFakeClock("2026-11-22T02:15:00Z").Now()
	l.markExported(signalTraces)
	l.add(StageIngested, now, []meterEntry{{key: costKey{Team: "t", Service: "a", Env: "p", Signal: signalTraces, Extra: "x" + extraSep + "y"}, vol: volume{Records: 4, Bytes: 400}}})
	l.add(StageExported, now, []meterEntry{{key: costKey{Team: "t", Service: "a", Env: "p", Signal: signalTraces, Extra: "x" + extraSep + "y"}, vol: volume{Records: 1, Bytes: 100}}})
	data, err := l.encode(nil)
	require.NoError(t, err)
	back := newLedger(10, utcCalendar)
	require.NoError(t, back.restore(data, now))
	assert.Equal(t, l.hours.m, back.hours.m)
	assert.Equal(t, l.days.m, back.days.m)
	assert.Len(t, back.days.m[now.Unix()-now.Unix()%86400], 1)
	assert.Equal(t, [numSignals]bool{}, back.exported, "billing basis follows the running config")

	for _, bad := range []string{`{"version":2}`, `{"version":1,"billed_on_exported":["x"]}`,
		`{"version":1,"hours":[{"start":"yesterday"}]}`, `{"version":1,"days":[{"start":"2026-11-22T02:00:00Z"}]}`, `{"version":1,"hours":[{"start":"2026-11-22T02:00:00Z","keys":[{"signal":"x"}]}]}`} {
		assert.Error(t, newLedger(10, utcCalendar).restore([]byte(bad), now), bad)
	}
}

func TestConcurrentMetering(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := newFactory(newFakeClock("2026-11-22T02:15:00Z").Now)
	e := startTraces(t, f, settings(""), testConfig(dir, StageIngested))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				assert.NoError(t, e.ConsumeTraces(ctx, makeTraces(res{"svc-" + strconv.Itoa(i%3), "prod", "", 2})))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, e.Shutdown(ctx))
	s := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(8*50*2), s.Total.IngestedRecords)
}

// memStorage is a storage extension keeping values in memory.
type memStorage struct {
	component.StartFunc
	component.ShutdownFunc
	mu   sync.Mutex
	data map[string][]byte
}

func (m *memStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return &memClient{s: m}, nil
}

type memClient struct{ s *memStorage }

func (c *memClient) Get(_ context.Context, key string) ([]byte, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.data[key], nil
}

func (c *memClient) Set(_ context.Context, key string, v []byte) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.data[key] = append([]byte(nil), v...)
	return nil
}

func (c *memClient) Delete(_ context.Context, key string) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	delete(c.s.data, key)
	return nil
}

func (c *memClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = c.Get(ctx, op.Key)
		case storage.Set:
			_ = c.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = c.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (*memClient) Close(context.Context) error { return nil }

type extHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h extHost) GetExtensions() map[component.ID]component.Component { return h.exts }

func TestStorageExtensionState(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	id := component.MustNewIDWithName("file_storage", "costs")
	mem := &memStorage{data: map[string][]byte{}}
	host := extHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{id: mem}}
	cfg := testConfig(dir, StageIngested)
	cfg.Storage = &id
	clock := newFakeClock("2026-11-22T02:15:00Z")
	for _, n := range []int{3, 4} {
		f := newFactory(clock.Now)
		e, err := f.CreateTraces(ctx, settings(""), cfg)
		require.NoError(t, err)
		require.NoError(t, e.Start(ctx, host))
		require.NoError(t, e.ConsumeTraces(ctx, makeTraces(res{"a", "b", "c", n})))
		require.NoError(t, e.Shutdown(ctx))
	}
	assert.NoFileExists(t, filepath.Join(dir, stateFileName), "state lives in the storage extension")
	abs, _ := filepath.Abs(dir)
	assert.Contains(t, string(mem.data["ledger:"+abs]), `"ingested_records":7`)
	s := readSummary(t, filepath.Join(dir, "hourly", "focus-2026-11-22T02Z.json"))
	assert.Equal(t, int64(7), s.Total.IngestedRecords)

	// Missing or wrong extensions are start errors naming the key.
	missing := component.MustNewID("file_storage")
	cfg.Storage = &missing
	e, err := newFactory(clock.Now).CreateTraces(ctx, settings(""), cfg)
	require.NoError(t, err)
	require.ErrorContains(t, e.Start(ctx, host), `storage: extension "file_storage" not found`)
	require.NoError(t, e.Shutdown(ctx))

	host.exts[missing] = &struct {
		component.StartFunc
		component.ShutdownFunc
	}{}
	e, err = newFactory(clock.Now).CreateTraces(ctx, settings(""), cfg)
	require.NoError(t, err)
	require.ErrorContains(t, e.Start(ctx, host), `storage: extension "file_storage" is not a storage extension`)
	require.NoError(t, e.Shutdown(ctx))
}
