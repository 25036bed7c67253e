package e2e

import (
	"fmt"
	"strings"
	"testing"

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

// startObservingTiers starts three replicas of the shipped
// config/two-tier-sampler.yaml, whose topology_summary connectors send
// their summaries to alerts every second, and config/two-tier-balancer.yaml
// in front of them; it returns the balancer.
func startObservingTiers(t *testing.T, alerts *Collector) *Collector {
	t.Helper()
	backend := StartSink(t)
	balancerEnv := map[string]string{}
	for i := 1; i <= 3; i++ {
		r := Start(t, Options{
			Configs: []string{"config/two-tier-sampler.yaml"},
			Env: map[string]string{
				"QUELL_BACKEND_PORT":     fmt.Sprint(backend.Port()),
				"QUELL_ALERTS_PORT":      fmt.Sprint(alerts.Port("OTLP_GRPC")),
				"QUELL_SUMMARY_INTERVAL": "1s",
				"QUELL_DECISION_WAIT":    "2s",
				"QUELL_ROOT_WAIT":        "1s",
			},
		})
		balancerEnv[fmt.Sprintf("QUELL_REPLICA_%d_PORT", i)] = fmt.Sprint(r.Port("OTLP_GRPC"))
	}
	return Start(t, Options{Configs: []string{"config/two-tier-balancer.yaml"}, Env: balancerEnv})
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
