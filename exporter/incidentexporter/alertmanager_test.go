package incidentexporter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/exporter/incidentexporter/internal/metadatatest"
	"github.com/quell-otel/quell/internal/alertmanagertest"
)

const (
	amLabels      = `{"alertname":"PaymentErrors","service":"payment","severity":"critical","incident_id":"inc-7f3a"}`
	amAnnotations = `"runbook_url":"https://runbooks.example/payment","incident_state":"%s","root_service":"payment","root_alert":"PaymentErrors"`
)

func amConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "alertmanager"
	cfg.ClientConfig.Endpoint = endpoint
	cfg.Alertmanager.ResendInterval = 0 // tests call resend themselves
	return cfg
}

func expectedAMOpen() string {
	return `[{"labels":` + amLabels + `,"annotations":{` + strings.ReplaceAll(amAnnotations, "%s", "open") + `,
		"summary":"[open] payment: PaymentErrors (2 alerts, 1 suppressed)","services":"checkout,payment","alert_count":"2","suppressed_count":"1"},
		"startsAt":"2026-11-22T01:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=x"}]`
}

func expectedAMUpdated() string {
	return `[{"labels":` + amLabels + `,"annotations":{` + strings.ReplaceAll(amAnnotations, "%s", "updated") + `,
		"summary":"[updated] payment: PaymentErrors (3 alerts, 2 suppressed)","services":"cart,checkout,payment","alert_count":"3","suppressed_count":"2"},
		"startsAt":"2026-11-22T01:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=x"}]`
}

func expectedAMResolved() string {
	return `[{"labels":` + amLabels + `,"annotations":{` + strings.ReplaceAll(amAnnotations, "%s", "resolved") + `,
		"summary":"[resolved] payment: PaymentErrors (3 alerts, 2 suppressed)","services":"cart,checkout,payment","alert_count":"3","suppressed_count":"2"},
		"startsAt":"2026-11-22T01:00:00Z","endsAt":"2026-11-22T01:05:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=x"}]`
}

func TestAlertmanagerRequests(t *testing.T) {
	am := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusOK} })
	exp := newTestExporter(t, amConfig(am.srv.URL+"/"), false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	dest := exp.inner.dest.(*alertmanager)

	open, updated, resolved := paymentIncident()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(open)))
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(updated)))
	n, err := dest.resend(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(resolved)))
	n, err = dest.resend(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, n, "nothing open after the resolve")

	got := am.Bodies()
	require.Len(t, got, 4)
	for _, r := range am.Accepted() {
		assert.Equal(t, "/api/v2/alerts", r.Path)
	}
	assert.JSONEq(t, expectedAMOpen(), got[0])
	assert.JSONEq(t, expectedAMUpdated(), got[1])
	assert.JSONEq(t, expectedAMUpdated(), got[2], "the re-send repeats the last state")
	assert.JSONEq(t, expectedAMResolved(), got[3])
}

func TestAlertmanagerRootChangeEndsOldAlert(t *testing.T) {
	am := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusOK} })
	exp := newTestExporter(t, amConfig(am.srv.URL), false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	open, updated, _ := paymentIncident()
	updated.RootAlert, updated.Root = "DBDown", "postgres"
	updated.Labels = map[string]string{"alertname": "DBDown", "service": "postgres"}
	updated.Annotations, updated.Generator, updated.Body = nil, "", ""
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(open, updated)))
	got := am.Bodies()
	require.Len(t, got, 2)
	assert.JSONEq(t, `[
		{"labels":`+amLabels+`,"annotations":{`+strings.ReplaceAll(amAnnotations, "%s", "open")+`,
			"summary":"[open] payment: PaymentErrors (2 alerts, 1 suppressed)","services":"checkout,payment","alert_count":"2","suppressed_count":"1"},
			"startsAt":"2026-11-22T01:00:00Z","endsAt":"2026-11-22T01:10:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=x"},
		{"labels":{"alertname":"DBDown","service":"postgres","incident_id":"inc-7f3a"},
			"annotations":{"incident_state":"updated","root_service":"postgres","root_alert":"DBDown",
			"summary":"[updated] postgres: DBDown (3 alerts, 2 suppressed)","services":"cart,checkout,payment","alert_count":"3","suppressed_count":"2"},
			"startsAt":"2026-11-22T01:00:00Z"}
	]`, got[1])
}

func TestAlertmanagerLabelsWithoutRootAlertLabels(t *testing.T) {
	am := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusOK} })
	exp := newTestExporter(t, amConfig(am.srv.URL), false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	open, _, _ := paymentIncident()
	open.Labels = nil
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(open)))
	require.Len(t, am.Bodies(), 1)
	assert.Contains(t, am.Bodies()[0], `"labels":{"alertname":"PaymentErrors","incident_id":"inc-7f3a","service":"payment"}`)
}

func TestAlertmanagerMaxOpenIncidents(t *testing.T) {
	am := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusOK} })
	cfg := amConfig(am.srv.URL)
	cfg.Alertmanager.MaxOpenIncidents = 1
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	a, _, _ := paymentIncident()
	b := a
	b.ID = "inc-other"
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(a, b)))
	n, err := exp.inner.dest.(*alertmanager).resend(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	metadatatest.AssertEqualExporterIncidentAlertmanagerUntracked(t, exp.tel, []metricdata.DataPoint[int64]{{Value: 1}},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// TestAlertmanagerResendLoop: the background loop re-sends open incidents
// and counts them.
func TestAlertmanagerResendLoop(t *testing.T) {
	am := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusOK} })
	cfg := amConfig(am.srv.URL)
	cfg.Alertmanager.ResendInterval = 20 * time.Millisecond
	exp := newTestExporter(t, cfg, false, nil)
	open, _, _ := paymentIncident()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(open)))
	waitUntil(t, "two re-sends", func() bool { return len(am.Bodies()) >= 3 })
	require.NoError(t, exp.Shutdown(context.Background()))
	for _, b := range am.Bodies() {
		assert.JSONEq(t, expectedAMOpen(), b)
	}
}

// recordingProxy forwards to a real Alertmanager and keeps the requests it
// forwarded with Alertmanager's answer.
type recordingProxy struct {
	mu   sync.Mutex
	reqs []recorded
	srv  *httptest.Server
}

func newRecordingProxy(t *testing.T, target string) *recordingProxy {
	u, err := url.Parse(target)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &recordingProxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.reqs = append(p.reqs, recorded{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: string(b)})
		p.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *recordingProxy) bodies() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, r := range p.reqs {
		out = append(out, r.Body)
	}
	return out
}

// TestRealAlertmanager delivers open, update and resolve to Debian's
// Alertmanager 0.25 and checks both the exact requests and what
// Alertmanager then holds.
func TestRealAlertmanager(t *testing.T) {
	am := alertmanagertest.Start(t, alertmanagertest.Options{})
	proxy := newRecordingProxy(t, am.URL)
	exp := newTestExporter(t, amConfig(proxy.srv.URL), false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	// Alertmanager resolves alerts whose endsAt has passed, so use real times.
	open, updated, resolved := paymentIncident()
	shift := time.Now().UTC().Truncate(time.Second).Add(-10 * time.Minute).Sub(t0)
	for _, c := range []*change{&open, &updated, &resolved} {
		c.First, c.Last = c.First.Add(shift), c.Last.Add(shift)
	}
	exp.inner.now = func() time.Time { return resolved.Last.Add(time.Minute) }

	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(open)))
	alerts := am.Alerts(t)
	require.Len(t, alerts, 1)
	assert.Equal(t, map[string]string{"alertname": "PaymentErrors", "service": "payment", "severity": "critical", "incident_id": "inc-7f3a"}, alerts[0].Labels)
	assert.Equal(t, "active", alerts[0].Status.State)
	assert.Equal(t, "[open] payment: PaymentErrors (2 alerts, 1 suppressed)", alerts[0].Annotations["summary"])
	assert.True(t, alerts[0].StartsAt.Equal(open.First))
	assert.True(t, alerts[0].EndsAt.After(time.Now()), "open: Alertmanager sets endsAt = now + resolve_timeout")

	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(updated)))
	alerts = am.Alerts(t)
	require.Len(t, alerts, 1)
	assert.Equal(t, "3", alerts[0].Annotations["alert_count"])
	assert.Equal(t, "updated", alerts[0].Annotations["incident_state"])

	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(resolved)))
	for _, a := range am.Alerts(t) {
		// 0.25 keeps a resolved alert until garbage collection; it is no
		// longer active and ends when the incident did.
		assert.True(t, a.EndsAt.Equal(resolved.Last), "endsAt %s", a.EndsAt)
		assert.NotEqual(t, "active", a.Status.State)
	}

	shiftTimes := func(s string) string {
		for _, pair := range [][2]time.Time{{t0, open.First}, {t0.Add(5 * time.Minute), resolved.Last}} {
			s = strings.ReplaceAll(s, pair[0].Format(time.RFC3339Nano), pair[1].Format(time.RFC3339Nano))
		}
		return s
	}
	got := proxy.bodies()
	require.Len(t, got, 3)
	assert.JSONEq(t, shiftTimes(expectedAMOpen()), got[0])
	assert.JSONEq(t, shiftTimes(expectedAMUpdated()), got[1])
	assert.JSONEq(t, shiftTimes(expectedAMResolved()), got[2])
}

// TestAlertmanagerOpenSetSurvivesRestart: with the sending queue on
// file_storage, the incidents being re-sent are kept there too, so after a
// restart Alertmanager keeps getting them and does not resolve them after
// its resolve_timeout.
func TestAlertmanagerOpenSetSurvivesRestart(t *testing.T) {
	am := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusOK} })
	dir := t.TempDir()
	storageID := component.MustNewID("file_storage")
	cfgFor := func() *Config {
		cfg := amConfig(am.srv.URL)
		cfg.QueueConfig.Get().StorageID = &storageID
		return cfg
	}
	host, ext := startFileStorage(t, dir)
	first := newTestExporter(t, cfgFor(), true, host)
	open, _, _ := paymentIncident()
	other := open
	other.ID = "inc-closed"
	closed := other
	closed.State, closed.Last = "resolved", t0.Add(time.Minute)
	require.NoError(t, first.ConsumeLogs(context.Background(), logsOf(open, other, closed)))
	waitUntil(t, "three posts", func() bool { return len(am.Bodies()) == 3 })
	require.NoError(t, first.Shutdown(context.Background()))
	require.NoError(t, ext.Shutdown(context.Background()))

	host, ext = startFileStorage(t, dir)
	second := newTestExporter(t, cfgFor(), true, host)
	n, err := second.inner.dest.(*alertmanager).resend(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the incident still open")
	require.NoError(t, second.Shutdown(context.Background()))
	require.NoError(t, ext.Shutdown(context.Background()))
	assert.JSONEq(t, expectedAMOpen(), am.Bodies()[3])
}

func TestAlertmanagerStorageMissing(t *testing.T) {
	cfg := amConfig("http://127.0.0.1:1")
	storageID := component.MustNewID("file_storage")
	cfg.QueueConfig.Get().StorageID = &storageID
	tel := componenttest.NewTelemetry()
	set := metadatatest.NewSettings(tel)
	exp, err := newExporter(cfg, set)
	require.NoError(t, err)
	err = exp.start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, `sending_queue.storage: extension "file_storage" not found`)
	require.NoError(t, exp.shutdown(context.Background()))
}
