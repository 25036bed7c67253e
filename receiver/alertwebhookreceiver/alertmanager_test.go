package alertwebhookreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertmanagertest"
)

// waitFor polls cond until it holds; the deadline only guards against a hung
// test, nothing asserts how fast Alertmanager delivers.
func waitFor(t *testing.T, what string, cond func() bool, am *alertmanagertest.Alertmanager) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; alertmanager output:\n%s", what, am.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRealAlertmanager has Debian's Alertmanager 0.25 send real webhooks.
func TestRealAlertmanager(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)
	am := alertmanagertest.Start(t, alertmanagertest.Options{WebhookURL: r.url + "/alertmanager"})

	labels := map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical", "env": "prod"}
	startsAt := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	am.PostAlerts(t,
		alertmanagertest.Alert{Labels: labels, Annotations: map[string]string{"summary": "5xx > 5%"}, StartsAt: startsAt, GeneratorURL: "http://prometheus/graph"},
		// An incident the incident exporter posted: must not come back.
		alertmanagertest.Alert{Labels: map[string]string{"alertname": "HighErrorRate", "service": "checkout", "incident_id": "inc-1"}, StartsAt: startsAt},
	)
	waitFor(t, "the firing alert and the ignored one", func() bool {
		return sink.LogRecordCount() >= 1 && sumMetric(t, r.tel, "otelcol_receiver_alert_webhook_alerts_ignored") >= 1
	}, am)

	fromAPI := ""
	for _, a := range am.Alerts(t) {
		if a.Labels["incident_id"] == "" {
			fromAPI = a.Fingerprint
		}
	}
	require.NotEmpty(t, fromAPI)
	require.Equal(t, alertconv.Fingerprint(labels), fromAPI, "our fingerprint is Alertmanager's")

	got := allRecords(sink)
	require.Len(t, got, 1)
	assert.Equal(t, map[string]any{"service.name": "checkout", "deployment.environment.name": "prod"}, got[0].Resource)
	assert.Equal(t, map[string]any{
		"alert.rule.name":          "HighErrorRate",
		"alert.fingerprint":        fromAPI,
		"alert.state":              "firing",
		"alert.severity":           "critical",
		"alert.starts_at":          startsAt.Format(time.RFC3339Nano),
		"alert.source":             "alertmanager",
		"alert.generator_url":      "http://prometheus/graph",
		"alert.label.alertname":    "HighErrorRate",
		"alert.label.service":      "checkout",
		"alert.label.severity":     "critical",
		"alert.label.env":          "prod",
		"alert.annotation.summary": "5xx > 5%",
	}, got[0].Attributes)
	assert.Equal(t, startsAt, got[0].Timestamp)
	assert.NotContains(t, got[0].Attributes, alertconv.AttrEndsAt, "0.25 sends endsAt 0001-01-01 for firing alerts")

	// Resolve it: Alertmanager sends the resolved notification.
	endsAt := time.Now().Add(-time.Second).UTC().Truncate(time.Millisecond)
	am.PostAlerts(t, alertmanagertest.Alert{Labels: labels, StartsAt: startsAt, EndsAt: endsAt})
	waitFor(t, "the resolved alert", func() bool { return sink.LogRecordCount() >= 2 }, am)
	got = allRecords(sink)
	assert.Equal(t, "resolved", got[1].Attributes[alertconv.AttrState])
	assert.Equal(t, fromAPI, got[1].Attributes[alertconv.AttrFingerprint])
	assert.Equal(t, endsAt.Format(time.RFC3339Nano), got[1].Attributes[alertconv.AttrEndsAt])
	assert.Equal(t, endsAt, got[1].Timestamp)
	assert.Equal(t, int64(2), sumMetric(t, r.tel, "otelcol_receiver_accepted_log_records"))
}

// TestRealAlertmanagerTruncated: a webhook capped by max_alerts reports the
// rest in truncatedAlerts, which the receiver counts.
func TestRealAlertmanagerTruncated(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)
	am := alertmanagertest.Start(t, alertmanagertest.Options{
		WebhookURL: r.url + "/alertmanager", GroupBy: []string{"alertname"}, MaxAlerts: 1,
	})
	var alerts []alertmanagertest.Alert
	for _, inst := range []string{"a", "b", "c"} {
		alerts = append(alerts, alertmanagertest.Alert{Labels: map[string]string{"alertname": "Down", "instance": inst, "service": "cart"}})
	}
	am.PostAlerts(t, alerts...)
	waitFor(t, "a truncated webhook", func() bool {
		return sumMetric(t, r.tel, "otelcol_receiver_alert_webhook_alerts_truncated") >= 2
	}, am)
	assert.Equal(t, 1, sink.LogRecordCount())
}
