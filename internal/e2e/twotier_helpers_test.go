package e2e

import (
	"fmt"
	"testing"
	"time"
)

// startTwoTier starts three replicas of the shipped
// config/two-tier-sampler.yaml, which send the traces they keep to
// backendPort and their topology summaries to alertsPort every second and
// decide a trace decisionWait after its first span, and
// config/two-tier-balancer.yaml in front of them. It returns the balancer
// and the replicas.
func startTwoTier(t *testing.T, backendPort, alertsPort int, decisionWait time.Duration) (*Collector, []*Collector) {
	t.Helper()
	var replicas []*Collector
	balancerEnv := map[string]string{}
	for i := 1; i <= 3; i++ {
		r := Start(t, Options{
			Configs: []string{"config/two-tier-sampler.yaml"},
			Env: map[string]string{
				"QUELL_BACKEND_PORT":     fmt.Sprint(backendPort),
				"QUELL_ALERTS_PORT":      fmt.Sprint(alertsPort),
				"QUELL_SUMMARY_INTERVAL": "1s",
				"QUELL_DECISION_WAIT":    decisionWait.String(),
				"QUELL_ROOT_WAIT":        "1s",
			},
		})
		replicas = append(replicas, r)
		balancerEnv[fmt.Sprintf("QUELL_REPLICA_%d_PORT", i)] = fmt.Sprint(r.Port("OTLP_GRPC"))
	}
	balancer := Start(t, Options{Configs: []string{"config/two-tier-balancer.yaml"}, Env: balancerEnv})
	return balancer, replicas
}
