package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertmanagertest"
	"github.com/quell-otel/quell/internal/freeport"
)

// hookServer stands in for a webhook destination; it can be down (503).
type hookServer struct {
	down     atomic.Bool
	status   int
	mu       sync.Mutex
	bodies   []map[string]any
	auth     []string
	attempts atomic.Int64
	srv      *httptest.Server
}

func newHookServer(t *testing.T, status int) *hookServer {
	h := &hookServer{status: status}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.attempts.Add(1)
		b, _ := io.ReadAll(r.Body)
		if h.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		if h.status >= 300 {
			http.Error(w, `{"error":"invalid_payload"}`, h.status)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		h.mu.Lock()
		h.bodies = append(h.bodies, m)
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		h.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookServer) received() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.bodies...)
}

// TestIncidentExporterFanOutRestartAndLoopGuard runs alert_webhook ->
// incident exporters in the built binary with one real Alertmanager as both
// alert source and incident destination:
//   - the incident reaches Alertmanager (labels + incident_id) and comes back
//     on its webhook, where alert_webhook ignores it: no loop;
//   - the webhook destination is down, the collector restarts, the incident
//     kept by file_storage is delivered once the destination is back;
//   - a destination answering 400 holds up nobody;
//   - the bearer token never shows in the collector's output.
func TestIncidentExporterFanOutRestartAndLoopGuard(t *testing.T) {
	const token = "e2e-s3cr3t-token-value"
	hook := newHookServer(t, http.StatusOK)
	hook.down.Store(true)
	bad := newHookServer(t, http.StatusBadRequest)

	webhookPort := freeport.Port(t)
	am := alertmanagertest.Start(t, alertmanagertest.Options{
		WebhookURL: "http://127.0.0.1:" + strconv.Itoa(webhookPort) + "/alertmanager",
	})
	opts := Options{
		Configs: []string{"internal/e2e/testdata/incidentexporter-fanout.yaml"},
		DataDir: t.TempDir(),
		Env: map[string]string{
			"QUELL_ALERT_WEBHOOK_PORT":     strconv.Itoa(webhookPort),
			"QUELL_INCIDENT_AM_URL":        am.URL,
			"QUELL_INCIDENT_WEBHOOK_URL":   hook.srv.URL + "/incidents",
			"QUELL_INCIDENT_WEBHOOK_TOKEN": token,
			"QUELL_INCIDENT_BAD_URL":       bad.srv.URL + "/incidents",
		},
	}
	col := Start(t, opts)

	labels := map[string]string{"alertname": "PaymentErrors", "service": "payment", "severity": "critical"}
	fingerprint := alertconv.Fingerprint(labels)
	am.PostAlerts(t, alertmanagertest.Alert{Labels: labels, Annotations: map[string]string{"summary": "payment 5xx above 5%"}})

	// The incident (an alert of one, keyed by the fingerprint) reaches
	// Alertmanager with incident_id, and its webhook echo is ignored.
	var incidentAlert alertmanagertest.Alert
	eventually(t, "the incident alert in Alertmanager", func() bool {
		for _, a := range am.Alerts(t) {
			if a.Labels["incident_id"] != "" {
				incidentAlert = a
				return true
			}
		}
		return false
	})
	assert.Equal(t, map[string]string{"alertname": "PaymentErrors", "service": "payment", "severity": "critical", "incident_id": fingerprint}, incidentAlert.Labels)
	assert.Equal(t, "[open] payment: PaymentErrors", incidentAlert.Annotations["summary"])
	eventually(t, "alert_webhook to ignore the incident's echo", func() bool {
		return col.MetricValue(t, "otelcol_receiver_alert_webhook_alerts_ignored", nil) >= 1
	})
	eventually(t, "the 400 destination tried and the webhook retrying", func() bool {
		return bad.attempts.Load() >= 1 && hook.attempts.Load() >= 2
	})
	assert.Len(t, am.Alerts(t), 2, "the original alert and the incident: nothing loops")

	// Stop with the webhook incident queued on disk, bring the destination
	// back, start again on the same data directory.
	col.Stop(t)
	assert.Empty(t, hook.received())
	hook.down.Store(false)
	col2 := Start(t, opts)
	eventually(t, "the queued incident delivered after the restart", func() bool { return len(hook.received()) >= 1 })

	// Resolve: Alertmanager notifies, every destination gets the resolve.
	am.PostAlerts(t, alertmanagertest.Alert{Labels: labels, EndsAt: time.Now().Add(-time.Second)})
	eventually(t, "the resolve delivered", func() bool { return len(hook.received()) >= 2 })
	eventually(t, "the incident alert ended in Alertmanager", func() bool {
		for _, a := range am.Alerts(t) {
			if a.Labels["incident_id"] != "" && a.Status.State == "active" {
				return false
			}
		}
		return true
	})
	col2.Stop(t)

	got := hook.received()
	require.Len(t, got, 2)
	assert.Equal(t, []any{fingerprint, "open"}, []any{got[0]["incident_id"], got[0]["state"]})
	assert.Equal(t, []any{fingerprint, "resolved"}, []any{got[1]["incident_id"], got[1]["state"]})
	assert.Equal(t, "payment", got[0]["root_service"])
	hook.mu.Lock()
	assert.Equal(t, []string{"Bearer " + token, "Bearer " + token}, hook.auth)
	hook.mu.Unlock()
	assert.Equal(t, int64(2), bad.attempts.Load(), "each 400 tried once, open and resolve")
	for _, out := range []string{col.Output(), col2.Output()} {
		assert.NotContains(t, out, token)
		assert.NotContains(t, out, "/incidents", "URLs in errors are cut to scheme and host")
	}
	assert.True(t, strings.Contains(col.Output(), "webhook answered 400 Bad Request"), "the 400 is logged with the destination's message")
}

// TestAlertPathToPagerDuty runs the whole alert path in the built binary:
// a real Alertmanager posts a checkout symptom and its payment cause to
// alert_webhook, alert_correlator makes one incident rooted at payment
// (static topology), and the incident exporter pages PagerDuty (a loopback
// stand-in) once, listing both alerts, then resolves the same dedup_key.
func TestAlertPathToPagerDuty(t *testing.T) {
	const routingKey = "R0UT1NGKEY0123456789abcdefabcdef"
	pd := newHookServer(t, http.StatusOK)
	hook := newHookServer(t, http.StatusOK)
	webhookPort := freeport.Port(t)
	am := alertmanagertest.Start(t, alertmanagertest.Options{
		WebhookURL: "http://127.0.0.1:" + strconv.Itoa(webhookPort) + "/alertmanager",
	})
	col := Start(t, Options{
		Configs: []string{"internal/e2e/testdata/incidentexporter-chain.yaml"},
		Env: map[string]string{
			"QUELL_ALERT_WEBHOOK_PORT":   strconv.Itoa(webhookPort),
			"QUELL_TOPOLOGY_FILE":        filepath.Join(RepoRoot(t), "internal", "e2e", "testdata", "incidentexporter-topology.yaml"),
			"QUELL_PAGERDUTY_URL":        pd.srv.URL + "/v2/enqueue",
			"QUELL_PAGERDUTY_KEY":        routingKey,
			"QUELL_INCIDENT_WEBHOOK_URL": hook.srv.URL + "/incidents",
		},
	})

	symptom := map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "warning"}
	cause := map[string]string{"alertname": "PaymentDown", "service": "payment", "severity": "critical"}
	am.PostAlerts(t, alertmanagertest.Alert{Labels: symptom}, alertmanagertest.Alert{Labels: cause})
	eventually(t, "a PagerDuty trigger", func() bool { return len(pd.received()) >= 1 })

	first := pd.received()[0]
	assert.Equal(t, "trigger", first["event_action"])
	assert.Equal(t, routingKey, first["routing_key"])
	dedup, _ := first["dedup_key"].(string)
	require.NotEmpty(t, dedup)
	payload, _ := first["payload"].(map[string]any)
	require.NotNil(t, payload)
	assert.Equal(t, "payment", payload["component"], "the probable root")
	assert.Equal(t, "critical", payload["severity"])
	details, _ := payload["custom_details"].(map[string]any)
	require.NotNil(t, details)
	var members []string
	for _, m := range details["member_alerts"].([]any) {
		members = append(members, m.(map[string]any)["fingerprint"].(string))
	}
	assert.ElementsMatch(t, []string{alertconv.Fingerprint(symptom), alertconv.Fingerprint(cause)}, members)

	// Resolve both: PagerDuty gets a resolve for the same dedup_key.
	past := time.Now().Add(-time.Second)
	am.PostAlerts(t, alertmanagertest.Alert{Labels: symptom, EndsAt: past}, alertmanagertest.Alert{Labels: cause, EndsAt: past})
	eventually(t, "the PagerDuty resolve", func() bool {
		got := pd.received()
		return got[len(got)-1]["event_action"] == "resolve"
	})
	col.Stop(t)

	events := pd.received()
	triggers := 0
	for _, ev := range events {
		assert.Equal(t, dedup, ev["dedup_key"], "one incident, one dedup_key")
		if ev["event_action"] == "trigger" {
			triggers++
		}
	}
	assert.Equal(t, "resolve", events[len(events)-1]["event_action"])
	t.Logf("PagerDuty events: %d triggers then a resolve", triggers)
	// The webhook (plain_alerts: skip) got incident state changes only.
	for _, b := range hook.received() {
		assert.Equal(t, dedup, b["incident_id"])
	}
	assert.NotContains(t, col.Output(), routingKey)
}

// TestAlertsConfigWithAlertmanager starts the shipped config/alerts.yaml
// against a real Alertmanager that routes everything to Quell: the incident
// goes back into Alertmanager (label incident_id), its echo is ignored, the
// resolve ends it there, and both state changes are written to
// incidents.jsonl.
func TestAlertsConfigWithAlertmanager(t *testing.T) {
	webhookPort := freeport.Port(t)
	am := alertmanagertest.Start(t, alertmanagertest.Options{
		WebhookURL: "http://127.0.0.1:" + strconv.Itoa(webhookPort) + "/alertmanager",
	})
	col := Start(t, Options{
		Configs: []string{"config/alerts.yaml"},
		Ports:   []string{"TOPOLOGY"},
		Env: map[string]string{
			"QUELL_ALERT_WEBHOOK_PORT": strconv.Itoa(webhookPort),
			"QUELL_ALERTMANAGER_URL":   am.URL,
			"QUELL_ALERT_GROUP_WAIT":   "1s",
			"QUELL_ALERT_RESOLVE_HOLD": "0s",
		},
	})
	labels := map[string]string{"alertname": "PaymentDown", "service": "payment", "severity": "critical"}
	am.PostAlerts(t, alertmanagertest.Alert{Labels: labels})
	incidentActive := func() bool {
		for _, a := range am.Alerts(t) {
			if a.Labels["incident_id"] != "" && a.Status.State == "active" {
				return true
			}
		}
		return false
	}
	eventually(t, "the incident in Alertmanager", incidentActive)
	eventually(t, "its echo ignored by alert_webhook", func() bool {
		return col.MetricValue(t, "otelcol_receiver_alert_webhook_alerts_ignored", nil) >= 1
	})
	assert.Len(t, am.Alerts(t), 2, "the alert and its incident; nothing loops")

	am.PostAlerts(t, alertmanagertest.Alert{Labels: labels, EndsAt: time.Now().Add(-time.Second)})
	eventually(t, "the incident resolved in Alertmanager", func() bool { return !incidentActive() })
	col.Stop(t)
	assert.Equal(t, 2, countInFile(t, filepath.Join(col.DataDir(), "incidents.jsonl"), `"incident.state"`), "open and resolved")
}
