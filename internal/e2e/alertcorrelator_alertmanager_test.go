package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertmanagertest"
)

// A real Alertmanager (Debian's prometheus-alertmanager, 1s group timings,
// no gossip) sends webhooks to alert_webhook; alert_correlator, on the OTel
// demo topology, makes one incident of a payment failure and its symptoms
// upstream (checkout, frontend), names payment the root, pages once, and
// resolves the same incident when Alertmanager sends the resolutions.
func TestAlertCorrelatorWithAlertmanagerWebhooks(t *testing.T) {
	sink := StartSink(t)
	col := Start(t, Options{
		Configs: []string{"internal/e2e/testdata/alertcorrelator-alertmanager.yaml"},
		Ports:   []string{"ALERT_WEBHOOK"},
		Env:     map[string]string{"QUELL_TOPOLOGY_FILE": filepath.Join(RepoRoot(t), "internal/e2e/testdata/alertcorrelator-topology.yaml")},
		Sink:    sink,
	})
	am := alertmanagertest.Start(t, alertmanagertest.Options{
		WebhookURL: "http://" + col.Addr("ALERT_WEBHOOK") + "/alertmanager",
	})

	alert := func(service, rule, severity string) alertmanagertest.Alert {
		return alertmanagertest.Alert{
			Labels:      map[string]string{"alertname": rule, "service": service, "severity": severity},
			Annotations: map[string]string{"summary": rule + " on " + service},
		}
	}
	symptoms := []alertmanagertest.Alert{alert("frontend", "HighErrorRate", "warning"), alert("checkout", "HighErrorRate", "warning")}
	root := alert("payment", "PaymentFailures", "critical")
	// The symptoms fire first, as they often do; the root a moment later.
	am.PostAlerts(t, symptoms...)
	time.Sleep(time.Second)
	am.PostAlerts(t, root)

	got := waitCorrelatorIncidents(t, sink, 1)
	open := got[0]
	assert.Equal(t, alertconv.IncidentOpen, open.state)
	assert.Equal(t, "payment", open.root)
	assert.Equal(t, []string{"checkout", "frontend", "payment"}, open.services)
	assert.Equal(t, int64(3), open.alerts)
	require.Eventually(t, func() bool {
		return col.MetricValue(t, "otelcol_processor_alert_correlator_suppressed_alerts", nil) == 2
	}, 10*time.Second, 100*time.Millisecond, "the two symptoms are attached, not paged")

	// Resolve everything: Alertmanager sends the resolutions (send_resolved).
	// As Prometheus does when a rule stops firing: the alerts again with
	// their start and an end, here just ahead so that Alertmanager resolves
	// them on its own clock.
	ends := time.Now().Add(2 * time.Second).UTC()
	held := am.Alerts(t)
	require.Len(t, held, 3)
	for _, a := range held {
		am.PostAlerts(t, alertmanagertest.Alert{Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt, EndsAt: ends})
	}
	// Records may reach the sink out of order (the exporter's queue has
	// several consumers): look for the resolved one.
	resolvedRecord := func() (correlatorIncident, bool) {
		for _, r := range correlatorIncidents(sink) {
			if r.state == alertconv.IncidentResolved {
				return r, true
			}
		}
		return correlatorIncident{}, false
	}
	resolved := func() bool { _, ok := resolvedRecord(); return ok }
	deadline := time.Now().Add(30 * time.Second)
	for !resolved() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	require.True(t, resolved(), "resolved incident: %+v\n%s\n%s", correlatorIncidents(sink),
		GrepLines(col.Metrics(t), "alert_correlator_alerts"), am.Output())
	last, _ := resolvedRecord()
	assert.Equal(t, open.id, last.id, "incident.id is stable")
	assert.Equal(t, "payment", last.root)
	// One page for the whole storm.
	assert.Equal(t, 1.0, col.MetricValue(t, "otelcol_processor_alert_correlator_incident_records", map[string]string{"state": "open"}))
	assert.Equal(t, 3.0, col.MetricValue(t, "otelcol_processor_alert_correlator_alerts", map[string]string{"outcome": "correlated"}))
	col.Stop(t)
}
