package e2e

import (
	"fmt"
	"testing"
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
