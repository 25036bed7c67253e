package incidentexporter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/exporter/incidentexporter/internal/metadatatest"
	"github.com/quell-otel/quell/internal/alertconv"
)

var (
	t0       = time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	fixedNow = t0.Add(10 * time.Minute)
)

// recorded is one request a fake destination answered with 2xx.
type recorded struct {
	Method, Path, ContentType, Body string
}

// reply is a fake destination's answer.
type reply struct {
	status int
	body   string
	header map[string]string
}

// fakeDest stands in for PagerDuty, Slack or a webhook: it records the
// requests it accepts and answers through respond (attempt counts from 0).
type fakeDest struct {
	mu       sync.Mutex
	accepted []recorded
	attempts int
	times    []time.Time
	respond  func(attempt int, r recorded) reply
	srv      *httptest.Server
}

func newFakeDest(t *testing.T, respond func(attempt int, r recorded) reply) *fakeDest {
	t.Helper()
	f := &fakeDest{respond: respond}
	if f.respond == nil {
		f.respond = func(int, recorded) reply { return reply{status: http.StatusAccepted} }
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.RequestURI(), ContentType: r.Header.Get("Content-Type"), Body: string(b)}
		f.mu.Lock()
		n := f.attempts
		f.attempts++
		f.times = append(f.times, time.Now())
		rep := f.respond(n, rec)
		if rep.status >= 200 && rep.status < 300 {
			f.accepted = append(f.accepted, rec)
		}
		f.mu.Unlock()
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDest) Accepted() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.accepted...)
}

func (f *fakeDest) Attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

func (f *fakeDest) Bodies() []string {
	var out []string
	for _, r := range f.Accepted() {
		out = append(out, r.Body)
	}
	return out
}

// change is one incident state change as the correlator emits it.
type change struct {
	ID, State, Root, RootAlert string
	Services                   []string
	Alerts, Suppressed         int64
	First, Last                time.Time
	Labels, Annotations        map[string]string
	Severity, Body, Generator  string
}

func logsOf(changes ...change) plog.Logs {
	ld := plog.NewLogs()
	for _, c := range changes {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr(alertconv.ResourceServiceName, c.Root)
		rl.Resource().Attributes().PutStr(alertconv.ResourceServiceNamespace, "shop")
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(c.Last))
		lr.Body().SetStr(c.Body)
		a := lr.Attributes()
		a.PutStr(alertconv.AttrIncidentID, c.ID)
		a.PutStr(alertconv.AttrIncidentState, c.State)
		a.PutStr(alertconv.AttrIncidentRootService, c.Root)
		a.PutStr(alertconv.AttrIncidentRootAlert, c.RootAlert)
		s := a.PutEmptySlice(alertconv.AttrIncidentServices)
		for _, svc := range c.Services {
			s.AppendEmpty().SetStr(svc)
		}
		a.PutInt(alertconv.AttrIncidentAlertCount, c.Alerts)
		a.PutInt(alertconv.AttrIncidentSuppressed, c.Suppressed)
		a.PutStr(alertconv.AttrIncidentFirstSeen, c.First.Format(time.RFC3339Nano))
		a.PutStr(alertconv.AttrIncidentLastSeen, c.Last.Format(time.RFC3339Nano))
		if c.Severity != "" {
			a.PutStr(alertconv.AttrSeverity, c.Severity)
		}
		if c.Generator != "" {
			a.PutStr(alertconv.AttrGeneratorURL, c.Generator)
		}
		for k, v := range c.Labels {
			a.PutStr(alertconv.AttrLabelPrefix+k, v)
		}
		for k, v := range c.Annotations {
			a.PutStr(alertconv.AttrAnnotationPrefix+k, v)
		}
	}
	return ld
}

// paymentIncident is an incident rooted at payment with checkout's symptom
// attached, in its three states.
func paymentIncident() (open, updated, resolved change) {
	open = change{
		ID: "inc-7f3a", State: "open", Root: "payment", RootAlert: "PaymentErrors",
		Services: []string{"checkout", "payment"}, Alerts: 2, Suppressed: 1,
		First: t0, Last: t0.Add(30 * time.Second),
		Labels:      map[string]string{"alertname": "PaymentErrors", "service": "payment", "severity": "critical"},
		Annotations: map[string]string{"summary": "payment 5xx above 5%", "runbook_url": "https://runbooks.example/payment"},
		Severity:    "critical", Body: "payment 5xx above 5%", Generator: "http://prometheus:9090/graph?g0.expr=x",
	}
	updated = open
	updated.State, updated.Alerts, updated.Suppressed = "updated", 3, 2
	updated.Services = []string{"cart", "checkout", "payment"}
	updated.Last = t0.Add(2 * time.Minute)
	resolved = updated
	resolved.State, resolved.Last = "resolved", t0.Add(5*time.Minute)
	return open, updated, resolved
}

type testExporter struct {
	exporter.Logs
	inner *incidentExporter
	tel   *componenttest.Telemetry
}

// newTestExporter builds the exporter as the factory does, with a fixed
// clock, fast retries and (unless queued) no queue, so ConsumeLogs returns
// the push error.
func newTestExporter(t *testing.T, cfg *Config, queued bool, host component.Host) *testExporter {
	t.Helper()
	return newTestExporterWithLogger(t, cfg, queued, host, nil)
}

func newTestExporterWithLogger(t *testing.T, cfg *Config, queued bool, host component.Host, logger *zap.Logger) *testExporter {
	t.Helper()
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 20 * time.Millisecond
	cfg.RetryConfig.RandomizationFactor = 0
	if !queued {
		cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	}
	require.NoError(t, cfg.Validate())
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tel)
	if logger != nil {
		set.Logger = logger
	}
	exp, err := newExporter(cfg, set)
	require.NoError(t, err)
	exp.now = func() time.Time { return fixedNow }
	logs, err := newLogsExporter(context.Background(), cfg, exp)
	require.NoError(t, err)
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, logs.Start(context.Background(), host))
	return &testExporter{Logs: logs, inner: exp, tel: tel}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
