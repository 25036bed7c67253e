package alertwebhookreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultMappingIsTheEvaluations: the alert correlator's evaluation
// reads kube-convention alerts through DefaultServiceMapping, which must
// be this receiver's default configuration's mapping.
func TestDefaultMappingIsTheEvaluations(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	m, err := cfg.ResourceLabels.serviceMapping()
	require.NoError(t, err)
	want := DefaultServiceMapping()
	assert.Equal(t, want.Labels, m.Labels)
	assert.Equal(t, want.Workload, m.Workload)
	var exporters []string
	for _, re := range want.Exporters {
		exporters = append(exporters, re.String())
	}
	assert.Equal(t, []string{"^(?:(.+-)?kube-state-metrics)$", "^(?:(.+-)?kubelet)$"}, exporters)
	assert.Equal(t, []string{"(.+-)?kube-state-metrics", "(.+-)?kubelet"}, cfg.ResourceLabels.Workload.Exporters)
}

// TestWorkloadMapping: an alert kube-state-metrics or the kubelet raises
// about a workload gets that workload as service.name (labels as a
// kube-prometheus-stack cluster sends them); other alerts keep the first
// service label; without workload labels the exporter stays.
func TestWorkloadMapping(t *testing.T) {
	ksm := map[string]string{
		"job": "kube-state-metrics", "service": "kube-prometheus-stack-kube-state-metrics", "endpoint": "http",
		"pod": "kube-prometheus-stack-kube-state-metrics-7c8b8bf58c-x4vcd", "container": "kube-state-metrics",
	}
	with := func(kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range ksm {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cfg := createDefaultConfig().(*Config)
	r := &alertReceiver{cfg: cfg}
	var err error
	r.services, err = cfg.ResourceLabels.serviceMapping()
	require.NoError(t, err)
	for _, c := range []struct {
		labels map[string]string
		want   string
	}{
		{with("alertname", "KubeDeploymentReplicasMismatch", "deployment", "checkout"), "checkout"},
		{with("alertname", "KubeStatefulSetReplicasMismatch", "statefulset", "redis"), "redis"},
		{with("alertname", "KubePodCrashLooping", "pod", "checkout-7d9f6b8c5-x2k4q", "container", "checkout"), "checkout"},
		{map[string]string{"alertname": "KubePodNotReady", "job": "kube-state-metrics", "pod": "redis-0"}, "redis"},
		{map[string]string{"alertname": "CPUThrottlingHigh", "service": "kubelet", "pod": "cart-6f4b8d9c7d-9zq2m"}, "cart"},
		{with("alertname", "KubeNodeNotReady", "pod", ""), "kube-prometheus-stack-kube-state-metrics"},
		{map[string]string{"alertname": "CheckoutHighErrorRate", "sloth_service": "checkout"}, "checkout"},
		{map[string]string{"alertname": "HighErrorRate", "service": "checkout", "pod": "checkout-v2-7d9f6b8c5-x2k4q"}, "checkout"},
	} {
		al := r.alert(&webhookAlert{Labels: c.labels, Status: "firing"}, "alertmanager")
		assert.Equal(t, c.want, al.Service, "%v", c.labels)
	}
	cfg.ResourceLabels.Workload = WorkloadLabelsConfig{}
	r.services, err = cfg.ResourceLabels.serviceMapping()
	require.NoError(t, err)
	al := r.alert(&webhookAlert{Labels: with("deployment", "checkout"), Status: "firing"}, "alertmanager")
	assert.Equal(t, "kube-prometheus-stack-kube-state-metrics", al.Service)
}
