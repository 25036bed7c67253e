package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/workload"
)

// costTotals is the part of the cost_report JSON summary this test reads.
type costTotals struct {
	IngestedRecords int64   `json:"ingested_records"`
	ExportedRecords int64   `json:"exported_records"`
	IngestedBytes   int64   `json:"ingested_bytes"`
	ExportedBytes   int64   `json:"exported_bytes"`
	ListCost        float64 `json:"list_cost"`
	IngestedCost    float64 `json:"ingested_cost"`
	SavedCost       float64 `json:"saved_cost"`
}

type costSummary struct {
	ChargePeriodStart string                `json:"charge_period_start"`
	TimeZone          string                `json:"time_zone"`
	LocalDate         string                `json:"local_date"`
	Total             costTotals            `json:"total"`
	BySignal          map[string]costTotals `json:"by_signal"`
	ByTeam            map[string]costTotals `json:"by_team"`
}

func readCostSummary(t *testing.T, dir string) costSummary {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "cost-report", "daily", "focus-*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no daily report")
	return decodeCostSummary(t, files[len(files)-1]) // the latest day
}

func decodeCostSummary(t *testing.T, path string) costSummary {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var s costSummary
	require.NoError(t, json.Unmarshal(b, &s))
	return s
}

// waitStable waits until count stops changing for a while (what a sampler
// keeps is not known in advance) and returns it.
func waitStable(t *testing.T, atLeast int, count func() int) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	last, since := -1, time.Now()
	for time.Now().Before(deadline) {
		n := count()
		if n != last {
			last, since = n, time.Now()
		} else if n >= atLeast && time.Since(since) > 3*time.Second {
			return n
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("count did not settle at >= %d (last %d)", atLeast, last)
	return 0
}

// config/cost-report.yaml as shipped: the ingested and exported cost_report
// instances around tail_sampler and log_budget, against a real OTLP backend
// (the sink); the report totals match what was sent and what the backend
// received, and survive a restart through file_storage.
func TestCostReportConfigMetersIngestedAndExported(t *testing.T) {
	sink := StartSink(t)
	dataDir := t.TempDir()
	env := map[string]string{
		"QUELL_BACKEND_PORT":  strconv.Itoa(sink.Port()),
		"QUELL_DECISION_WAIT": "1s",
		"QUELL_BACKEND_HOST":  "127.0.0.1",
	}
	col := Start(t, Options{Configs: []string{"config/cost-report.yaml"}, Env: env, DataDir: dataDir})

	gen := workload.NewTraceGenerator(workload.TraceOptions{Seed: 11, ErrorRatio: 0.1, SlowRatio: 0.05})
	traces := gen.Generate(300)
	mustKeep := 0
	for _, tr := range traces {
		if tr.Error || tr.Slow {
			mustKeep += tr.SpanCount
		}
	}
	sent := workload.Merge(traces)
	for _, batch := range workload.Split(traces, 3) {
		SendTraces(t, col.Addr("OTLP_GRPC"), batch)
	}
	logs := workload.NewLogGenerator(workload.LogOptions{Seed: 11}).Batch(1000)
	SendLogs(t, col.Addr("OTLP_GRPC"), logs)

	keptSpans := waitStable(t, mustKeep, sink.SpanCount)
	require.Less(t, keptSpans, sent.SpanCount(), "tail_sampler reduced the spans")
	waitStable(t, 1, sink.LogRecordCount)

	metrics := col.Metrics(t)
	assert.Equal(t, float64(sent.SpanCount()), SumMetric(metrics, "otelcol_cost_report_records_metered",
		map[string]string{"stage": "ingested", "signal": "traces"}))
	assert.Equal(t, float64(keptSpans), SumMetric(metrics, "otelcol_cost_report_records_metered",
		map[string]string{"stage": "exported", "signal": "traces"}))
	col.Stop(t) // writes the partial period

	s := readCostSummary(t, dataDir)
	tr := s.BySignal["traces"]
	assert.Equal(t, int64(sent.SpanCount()), tr.IngestedRecords)
	assert.Equal(t, int64(keptSpans), tr.ExportedRecords)
	assert.Equal(t, int64((&ptrace.ProtoMarshaler{}).TracesSize(sent)), tr.IngestedBytes-framingDelta(t, sent, workload.Split(traces, 3)))
	var backendBytes int64
	for _, td := range sink.Traces() {
		backendBytes += int64((&ptrace.ProtoMarshaler{}).TracesSize(td))
	}
	assert.Equal(t, backendBytes, tr.ExportedBytes, "exported bytes are what the backend received")
	assert.InDelta(t, float64(tr.ExportedBytes)/1e9*0.40, tr.ListCost, 1e-8)
	assert.InDelta(t, tr.IngestedCost-tr.ListCost, tr.SavedCost, 1e-8)
	assert.Positive(t, tr.SavedCost)

	// log_budget emits its open dedup summaries at shutdown: the backend
	// and the exported meter both see them.
	keptLogs := sink.LogRecordCount()
	lg := s.BySignal["logs"]
	assert.Equal(t, int64(logs.LogRecordCount()), lg.IngestedRecords)
	assert.Equal(t, int64(keptLogs), lg.ExportedRecords)
	assert.Less(t, lg.ExportedRecords, lg.IngestedRecords, "log_budget reduced the records")
	assert.Equal(t, int64((&plog.ProtoMarshaler{}).LogsSize(logs)), lg.IngestedBytes)
	var backendLogBytes int64
	for _, ld := range sink.Logs() {
		backendLogBytes += int64((&plog.ProtoMarshaler{}).LogsSize(ld))
	}
	assert.Equal(t, backendLogBytes, lg.ExportedBytes)
	assert.InDelta(t, float64(lg.ExportedBytes)/1e9*0.50+float64(keptLogs)/1e6*1.70, lg.ListCost, 1e-8)
	checkPatternsCountBackendRecords(t, dataDir, s.LocalDate, sink)
	assert.FileExists(t, filepath.Join(dataDir, "cost-report", "daily", "cost-report-"+s.ChargePeriodStart[:10]+".html"))
	hourly, err := filepath.Glob(filepath.Join(dataDir, "cost-report", "hourly", "focus-*Z.csv"))
	require.NoError(t, err)
	assert.NotEmpty(t, hourly)
	versions := checkFOCUSReports(t, dataDir)
	assert.Len(t, versions, 1)
	assert.GreaterOrEqual(t, versions["1.4"], len(hourly)+1, "FOCUS 1.4 by default")

	// Restart on the same data directory, now writing FOCUS 1.3: the day
	// continues from the state in file_storage, nothing counted twice, and
	// the rewritten files follow 1.3.
	more := workload.NewLogGenerator(workload.LogOptions{Seed: 12}).Batch(200)
	env["QUELL_FOCUS_VERSION"] = "1.3"
	col = Start(t, Options{Configs: []string{"config/cost-report.yaml"}, Env: env, DataDir: dataDir})
	SendLogs(t, col.Addr("OTLP_GRPC"), more)
	waitStable(t, keptLogs+1, sink.LogRecordCount)
	col.Stop(t)
	s2 := readCostSummary(t, dataDir)
	assert.Contains(t, checkFOCUSReports(t, dataDir), "1.3", "the open periods are rewritten in 1.3")
	if s2.ChargePeriodStart == s.ChargePeriodStart {
		assert.Equal(t, int64(logs.LogRecordCount()+more.LogRecordCount()), s2.BySignal["logs"].IngestedRecords)
		assert.Equal(t, int64(sent.SpanCount()), s2.BySignal["traces"].IngestedRecords)
	}
}

// framingDelta is the metered size of the split batches minus the size of
// the merged trace set: the same spans cost a little more framing when a
// resource arrives in several requests.
func framingDelta(t *testing.T, merged ptrace.Traces, batches []ptrace.Traces) int64 {
	t.Helper()
	var n int64
	for _, b := range batches {
		n += int64((&ptrace.ProtoMarshaler{}).TracesSize(b))
	}
	return n - int64((&ptrace.ProtoMarshaler{}).TracesSize(merged))
}

// waitCostSummary polls the daily summary until cond holds: the periodic
// flush (every second here) has written what was metered.
func waitCostSummary(t *testing.T, dir string, cond func(costSummary) bool) costSummary {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "cost-report", "daily", "focus-*.json"))
		if len(files) > 0 {
			if s := readCostSummary(t, dir); cond(s) {
				return s
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the cost report did not reach the expected totals")
	return costSummary{}
}

// A crash (SIGKILL) after a periodic flush loses nothing flushed, and the
// restarted collector continues the totals without counting them twice.
func TestCostReportSurvivesCrash(t *testing.T) {
	sink := StartSink(t)
	dataDir := t.TempDir()
	env := map[string]string{
		"QUELL_BACKEND_PORT":        strconv.Itoa(sink.Port()),
		"QUELL_COST_FLUSH_INTERVAL": "1s",
	}
	first := workload.NewLogGenerator(workload.LogOptions{Seed: 21}).Batch(300)
	col := Start(t, Options{Configs: []string{"config/cost-report.yaml"}, Env: env, DataDir: dataDir})
	SendLogs(t, col.Addr("OTLP_GRPC"), first)
	waitStable(t, 1, sink.LogRecordCount)
	s := waitCostSummary(t, dataDir, func(s costSummary) bool {
		return s.BySignal["logs"].IngestedRecords == int64(first.LogRecordCount()) &&
			s.BySignal["logs"].ExportedRecords == int64(sink.LogRecordCount())
	})
	col.Kill()

	second := workload.NewLogGenerator(workload.LogOptions{Seed: 22}).Batch(200)
	col = Start(t, Options{Configs: []string{"config/cost-report.yaml"}, Env: env, DataDir: dataDir})
	SendLogs(t, col.Addr("OTLP_GRPC"), second)
	col.Stop(t)
	after := readCostSummary(t, dataDir)
	if after.ChargePeriodStart != s.ChargePeriodStart {
		t.Skip("the UTC day changed between the two runs")
	}
	lg := after.BySignal["logs"]
	assert.Equal(t, int64(first.LogRecordCount()+second.LogRecordCount()), lg.IngestedRecords)
	assert.Equal(t, int64((&plog.ProtoMarshaler{}).LogsSize(first)+(&plog.ProtoMarshaler{}).LogsSize(second)), lg.IngestedBytes)
	assert.Equal(t, int64(sink.LogRecordCount()), lg.ExportedRecords)
}

// sumCostSummaries reads every JSON summary in a report folder and returns
// the logs records ingested over all of them, by file name.
func sumCostSummaries(t *testing.T, dir string) (int64, map[string]costSummary) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "focus-*.json"))
	require.NoError(t, err)
	var total int64
	out := map[string]costSummary{}
	for _, f := range files {
		s := decodeCostSummary(t, f)
		total += s.BySignal["logs"].IngestedRecords
		out[filepath.Base(f)] = s
	}
	return total, out
}

// cost_report with a time zone, in the shipped binary (its embedded IANA
// database): Asia/Kolkata, whose hours start at half past UTC hours, then
// a restart on the same state under UTC. The files carry the local dates
// and the offset, the bounds stay UTC, and across the zone change the
// hourly files and the daily files each add up to what was sent, once.
func TestCostReportTimezoneAcrossRestart(t *testing.T) {
	sink := StartSink(t)
	dataDir := t.TempDir()
	env := map[string]string{
		"QUELL_BACKEND_PORT":  strconv.Itoa(sink.Port()),
		"QUELL_COST_TIMEZONE": "Asia/Kolkata",
	}
	first := workload.NewLogGenerator(workload.LogOptions{Seed: 31}).Batch(300)
	col := Start(t, Options{Configs: []string{"config/cost-report.yaml"}, Env: env, DataDir: dataDir})
	SendLogs(t, col.Addr("OTLP_GRPC"), first)
	col.Stop(t)

	daily := filepath.Join(dataDir, "cost-report", "daily")
	hourly := filepath.Join(dataDir, "cost-report", "hourly")
	total, days := sumCostSummaries(t, daily)
	assert.Equal(t, int64(first.LogRecordCount()), total)
	for name, s := range days {
		assert.Equal(t, "Asia/Kolkata", s.TimeZone, name)
		assert.Equal(t, "focus-"+s.LocalDate+"+0530.json", name)
		assert.True(t, strings.HasSuffix(s.ChargePeriodStart, "T18:30:00Z"), "a Kolkata day starts at 18:30 UTC: %s", s.ChargePeriodStart)
		assert.FileExists(t, filepath.Join(daily, "cost-report-"+s.LocalDate+"+0530.html"))
	}
	total, hours := sumCostSummaries(t, hourly)
	assert.Equal(t, int64(first.LogRecordCount()), total)
	for name, s := range hours {
		assert.True(t, strings.HasSuffix(name, "+0530.json"), name)
		assert.True(t, strings.HasSuffix(s.ChargePeriodStart, ":30:00Z"), "a Kolkata hour starts at half past a UTC hour: %s", s.ChargePeriodStart)
	}

	// The same state under UTC: the Kolkata periods are finished under
	// their own names, new data goes to UTC periods.
	env["QUELL_COST_TIMEZONE"] = "UTC"
	second := workload.NewLogGenerator(workload.LogOptions{Seed: 32}).Batch(200)
	col = Start(t, Options{Configs: []string{"config/cost-report.yaml"}, Env: env, DataDir: dataDir})
	SendLogs(t, col.Addr("OTLP_GRPC"), second)
	col.Stop(t)
	want := int64(first.LogRecordCount() + second.LogRecordCount())
	total, days = sumCostSummaries(t, daily)
	assert.Equal(t, want, total, "daily files add up, nothing counted twice")
	total, _ = sumCostSummaries(t, hourly)
	assert.Equal(t, want, total, "hourly files add up, nothing counted twice")
	var utcDays int
	for name, s := range days {
		if s.TimeZone == "UTC" {
			utcDays++
			assert.Equal(t, "focus-"+s.LocalDate+".json", name)
		}
	}
	assert.Equal(t, 1, utcDays)

	// An unknown zone fails validation, naming the key.
	cmd := exec.Command(Binary(t), "validate", "--config", filepath.Join(RepoRoot(t), "config", "cost-report.yaml"))
	cmd.Env = append(os.Environ(), "QUELL_COST_TIMEZONE=Mars/Olympus")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "validate must fail")
	assert.Contains(t, string(out), `timezone: must be an IANA time zone such as "Europe/Berlin": unknown time zone Mars/Olympus`)
}

// The binary carries the IANA database (time/tzdata): with every zoneinfo
// source of the host hidden in a private mount namespace, as in a minimal
// container, a configured zone still resolves. Skipped where mount
// namespaces are not allowed (not root, no CAP_SYS_ADMIN).
func TestCostReportTimezoneWithoutHostZoneinfo(t *testing.T) {
	bin := Binary(t)
	// The Go root the binary was built with holds lib/time/zoneinfo.zip,
	// which the time package also reads.
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	var hide []string
	for _, dir := range []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo",
		filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time")} {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			hide = append(hide, "mount -t tmpfs none "+dir)
		}
	}
	script := strings.Join(append(hide, `exec "$0" validate --config "$1"`), " && ")
	cmd := exec.Command("unshare", "-m", "sh", "-c", script, bin, filepath.Join(RepoRoot(t), "config", "cost-report.yaml"))
	cmd.Env = []string{"QUELL_COST_TIMEZONE=Europe/Berlin"} // and no ZONEINFO
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZONEINFO=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if out, err := exec.Command("unshare", "-m", "sh", "-c", strings.Join(append(hide, "true"), " && ")).CombinedOutput(); err != nil {
		t.Skipf("no private mount namespace here: %v: %s", err, out)
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}
