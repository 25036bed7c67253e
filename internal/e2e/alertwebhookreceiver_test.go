package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertmanagertest"
)

// alertRecords flattens what the sink received: record attributes plus the
// resource's service.name under "resource.service.name".
func alertRecords(sink *Sink) []map[string]any {
	var out []map[string]any
	for _, ld := range sink.Logs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					m := lr.Attributes().AsRaw()
					if v, ok := rl.Resource().Attributes().Get(alertconv.ResourceServiceName); ok {
						m["resource.service.name"] = v.AsString()
					}
					out = append(out, m)
				}
			}
		}
	}
	return out
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func postJSON(t *testing.T, url, contentType string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, contentType, bytes.NewReader(body)) //nolint:gosec // loopback
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAlertWebhookFromRealAlertmanager: Debian's Alertmanager 0.25 posts
// real webhooks to otelcol-quell's alert_webhook; the alerts come out as log
// records in the convention, fingerprints agreeing with Alertmanager's.
func TestAlertWebhookFromRealAlertmanager(t *testing.T) {
	sink := StartSink(t)
	col := Start(t, Options{Configs: []string{"internal/e2e/testdata/alertwebhookreceiver-sink.yaml"}, Ports: []string{"ALERT_WEBHOOK"}, Sink: sink})
	hook := "http://" + col.Addr("ALERT_WEBHOOK") + "/alertmanager"
	am := alertmanagertest.Start(t, alertmanagertest.Options{WebhookURL: hook})

	firing := map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"}
	am.PostAlerts(t,
		alertmanagertest.Alert{Labels: firing, Annotations: map[string]string{"summary": "5xx > 5%"}},
		alertmanagertest.Alert{Labels: map[string]string{"alertname": "QuellIncident", "incident_id": "inc-1"}},
	)
	sink.WaitLogRecords(t, 1, 30*time.Second)
	eventually(t, "the incident_id alert to be ignored", func() bool {
		return col.MetricValue(t, "otelcol_receiver_alert_webhook_alerts_ignored", nil) == 1
	})

	recs := alertRecords(sink)
	require.Len(t, recs, 1)
	assert.Equal(t, "HighErrorRate", recs[0][alertconv.AttrRuleName])
	assert.Equal(t, "firing", recs[0][alertconv.AttrState])
	assert.Equal(t, "checkout", recs[0]["resource.service.name"])
	assert.Equal(t, alertconv.Fingerprint(firing), recs[0][alertconv.AttrFingerprint])
	assert.Equal(t, "alertmanager", recs[0][alertconv.AttrSource])

	// Bad input: a 4xx naming the problem, nothing ingested.
	status, msg := postJSON(t, hook, "application/json", []byte(`{"version":"4","alerts":[{"status":"firing","labels":{}}]}`))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "alerts[0].labels: missing")
	status, msg = postJSON(t, hook, "application/json", bytes.Repeat([]byte("x"), 70000))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	assert.Contains(t, msg, "max_request_body_size (65536 bytes)")
	fixture, err := os.ReadFile(filepath.Join(RepoRoot(t), "receiver", "alertwebhookreceiver", "testdata", "webhooks", "grafana-firing.json"))
	require.NoError(t, err)
	status, _ = postJSON(t, "http://"+col.Addr("ALERT_WEBHOOK")+"/grafana", "text/plain", fixture)
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	status, _ = postJSON(t, "http://"+col.Addr("ALERT_WEBHOOK")+"/grafana", "application/json", fixture)
	assert.Equal(t, http.StatusOK, status)
	sink.WaitLogRecords(t, 3, 30*time.Second)

	// Resolve: Alertmanager sends the resolved notification.
	am.PostAlerts(t, alertmanagertest.Alert{Labels: firing, EndsAt: time.Now().Add(-time.Second)})
	sink.WaitLogRecords(t, 4, 30*time.Second)
	assert.Equal(t, float64(4), col.MetricValue(t, "otelcol_receiver_accepted_log_records", map[string]string{"receiver": "alert_webhook"}))
	assert.Equal(t, float64(3), col.MetricValue(t, "otelcol_receiver_alert_webhook_requests_rejected", nil))
	col.Stop(t)

	var resolved plog.LogRecord
	found := false
	for _, ld := range sink.Logs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if v, _ := lr.Attributes().Get(alertconv.AttrState); v.AsString() == "resolved" {
						resolved, found = lr, true
					}
				}
			}
		}
	}
	require.True(t, found, "a resolved record")
	fp, _ := resolved.Attributes().Get(alertconv.AttrFingerprint)
	assert.Equal(t, alertconv.Fingerprint(firing), fp.AsString())
}
