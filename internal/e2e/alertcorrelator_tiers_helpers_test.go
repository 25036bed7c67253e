package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tierAlertsOptions runs config/alerts.yaml as the correlating instance of
// the multi-collector tests: paging to the Alertmanager at amURL, with
// short waits.
func tierAlertsOptions(amURL string) Options {
	return Options{
		Configs: []string{"config/alerts.yaml"},
		Ports:   []string{"ALERT_WEBHOOK", "TOPOLOGY"},
		Env: map[string]string{
			"QUELL_ALERTMANAGER_URL":   amURL,
			"QUELL_ALERT_GROUP_WAIT":   "3s",
			"QUELL_ALERT_RESOLVE_HOLD": "3s",
		},
	}
}

// startObservingTiers starts the two tiers (startTwoTier), whose
// topology_summary connectors send their summaries to alerts every second;
// it returns the balancer.
func startObservingTiers(t *testing.T, alerts *Collector) *Collector {
	t.Helper()
	balancer, _ := startTwoTier(t, StartSink(t).Port(), alerts.Port("OTLP_GRPC"), 2*time.Second)
	return balancer
}

// openPages returns the open records (the pages) in the incidents file at
// path.
func openPages(t *testing.T, path string) []map[string]any {
	t.Helper()
	var opens []map[string]any
	for _, r := range incidentRecords(t, path) {
		if r["incident.state"] == "open" {
			opens = append(opens, r)
		}
	}
	return opens
}

// assertOnePaymentLatencyPage checks the incidents file at path for the
// latency tests' page: one, rooted at payment with its callers as
// symptoms, the evidence saying latency originates in payment and passes
// through it, and one of the slow traces sent (slow, hex IDs) as exemplar.
func assertOnePaymentLatencyPage(t *testing.T, path string, slow map[string]bool) {
	t.Helper()
	opens := openPages(t, path)
	require.Len(t, opens, 1, "one page: %v", opens)
	page := opens[0]
	assert.Equal(t, "payment", page["incident.root_service"])
	assert.Equal(t, []any{"checkout", "frontend"}, page["incident.symptoms"])
	why, _ := page["incident.evidence"].(string)
	t.Log(why)
	assert.True(t, strings.HasPrefix(why, "latency originates in payment: "), why)
	assert.Contains(t, why, "2 of 2 alerting services' slowness passes through payment")
	ex, _ := page["incident.exemplar_trace_id"].(string)
	assert.True(t, slow[ex], "the exemplar %q is a trace where payment was slow", ex)
}
