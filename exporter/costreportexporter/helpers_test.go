package costreportexporter

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/exporter/costreportexporter/internal/metadata"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(s string) *fakeClock {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &fakeClock{t: t}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func testConfig(dir string, stage Stage) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Directory = dir
	cfg.Stage = stage
	// Long enough that the background flush never runs inside a test.
	cfg.FlushInterval = time.Hour
	cfg.Keys.ServiceTeams = map[string]string{"search": "discovery"}
	cfg.Prices.PerGB = SignalPrices{Traces: 0.40, Logs: 0.50, Metrics: 0.10}
	cfg.Prices.PerMillionRecords = 1.70
	cfg.Prices.PerMillionSpans = 2.50
	return cfg
}

func settings(name string) exporter.Settings {
	set := exportertest.NewNopSettings(metadata.Type)
	set.ID = component.NewIDWithName(metadata.Type, name)
	return set
}

// started checks that creating c succeeded, starts it and returns it.
func started[C component.Component](t testing.TB, c C, err error) C {
	t.Helper()
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	return c
}

func startTraces(t *testing.T, f exporter.Factory, set exporter.Settings, cfg *Config) exporter.Traces {
	t.Helper()
	e, err := f.CreateTraces(context.Background(), set, cfg)
	return started(t, e, err)
}

func startLogs(t *testing.T, f exporter.Factory, set exporter.Settings, cfg *Config) exporter.Logs {
	t.Helper()
	e, err := f.CreateLogs(context.Background(), set, cfg)
	return started(t, e, err)
}

func startMetrics(t *testing.T, f exporter.Factory, set exporter.Settings, cfg *Config) exporter.Metrics {
	t.Helper()
	e, err := f.CreateMetrics(context.Background(), set, cfg)
	return started(t, e, err)
}

// res describes one resource of a test batch.
type res struct {
	service, env, team string
	items              int
}

func setResource(r pcommon.Resource, x res) {
	if x.service != "" {
		r.Attributes().PutStr("service.name", x.service)
	}
	if x.env != "" {
		r.Attributes().PutStr("deployment.environment.name", x.env)
	}
	if x.team != "" {
		r.Attributes().PutStr("team", x.team)
	}
}

func makeTraces(rs ...res) ptrace.Traces {
	td := ptrace.NewTraces()
	for i, x := range rs {
		r := td.ResourceSpans().AppendEmpty()
		setResource(r.Resource(), x)
		ss := r.ScopeSpans().AppendEmpty()
		for j := 0; j < x.items; j++ {
			s := ss.Spans().AppendEmpty()
			s.SetName("GET /api/items")
			s.SetTraceID(pcommon.TraceID{byte(i + 1), byte(j + 1), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
			s.SetSpanID(pcommon.SpanID{byte(i + 1), byte(j + 1), 1, 2, 3, 4, 5, 6})
			s.SetStartTimestamp(1_700_000_000_000_000_000)
			s.SetEndTimestamp(1_700_000_000_250_000_000)
			s.Attributes().PutStr("http.request.method", "GET")
			s.Attributes().PutInt("http.response.status_code", 200)
		}
	}
	return td
}

func makeLogs(rs ...res) plog.Logs {
	ld := plog.NewLogs()
	for _, x := range rs {
		r := ld.ResourceLogs().AppendEmpty()
		setResource(r.Resource(), x)
		sl := r.ScopeLogs().AppendEmpty()
		for j := 0; j < x.items; j++ {
			l := sl.LogRecords().AppendEmpty()
			l.SetTimestamp(1_700_000_000_000_000_000)
			l.SetSeverityNumber(plog.SeverityNumberInfo)
			l.Body().SetStr("user 42 logged in from 10.0.0.1")
		}
	}
	return ld
}

func makeMetrics(rs ...res) pmetric.Metrics {
	md := pmetric.NewMetrics()
	for _, x := range rs {
		r := md.ResourceMetrics().AppendEmpty()
		setResource(r.Resource(), x)
		sm := r.ScopeMetrics().AppendEmpty()
		m := sm.Metrics().AppendEmpty()
		m.SetName("http.server.request.duration")
		g := m.SetEmptyGauge()
		for j := 0; j < x.items; j++ {
			dp := g.DataPoints().AppendEmpty()
			dp.SetDoubleValue(float64(j))
			dp.SetTimestamp(1_700_000_000_000_000_000)
		}
	}
	return md
}

// readCSV returns the header and the rows of a CSV file as maps.
func readCSV(t *testing.T, path string) ([]string, []map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = rec[i]
		}
		rows = append(rows, m)
	}
	return recs[0], rows
}

// assertGolden compares the file at path with testdata/golden/name (which
// -update rewrites first) and returns the golden file's path.
func assertGolden(t *testing.T, path, name string) string {
	t.Helper()
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	golden := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), name)
	return golden
}

func readSummary(t *testing.T, path string) summary {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var s summary
	require.NoError(t, json.Unmarshal(b, &s))
	return s
}

func hourlyPath(dir, hour string) string {
	return filepath.Join(dir, "hourly", "focus-"+hour+"Z.csv")
}
