package alertconv

import (
	"regexp"
	"testing"
)

func TestWorkloadOfPod(t *testing.T) {
	for pod, want := range map[string]string{
		// Deployment pods, from alerts of a kube-prometheus-stack cluster.
		"checkout-7d9f6b8c5-x2k4q":                                  "checkout",
		"executor-svc-849ffcf9c7-wbmvz":                             "executor-svc",
		"netbox-dc895bf86-mpq4w":                                    "netbox",
		"kube-prometheus-stack-kube-state-metrics-7c8b8bf58c-x4vcd": "kube-prometheus-stack-kube-state-metrics",
		// DaemonSet and StatefulSet pods.
		"node-exporter-x2k4q":     "node-exporter",
		"netbox-valkey-primary-0": "netbox-valkey-primary",
		"redis-12":                "redis",
		// No generated suffix: as it is.
		"checkout":       "checkout",
		"payment-api":    "payment-api",
		"frontend-v2":    "frontend-v2",
		"cart-aeiou":     "cart-aeiou", // vowels are never generated
		"-7d9f6b8c5-x2k": "-7d9f6b8c5-x2k",
	} {
		if got := WorkloadOfPod(pod); got != want {
			t.Errorf("WorkloadOfPod(%q) = %q, want %q", pod, got, want)
		}
	}
}

func TestServiceMapping(t *testing.T) {
	ksm, _ := CompileExporter(`(.+-)?kube-state-metrics`)
	kubelet, _ := CompileExporter(`(.+-)?kubelet`)
	m := &ServiceMapping{
		Labels:    []string{"service", "service_name", "sloth_service", "job"},
		Exporters: []*regexp.Regexp{ksm, kubelet},
		Workload:  []string{"deployment", "statefulset", "daemonset", "pod"},
	}
	stack := map[string]string{
		"job": "kube-state-metrics", "service": "kube-prometheus-stack-kube-state-metrics",
		"pod": "kube-prometheus-stack-kube-state-metrics-7c8b8bf58c-x4vcd", "container": "kube-state-metrics",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	for name, c := range map[string]struct {
		labels map[string]string
		want   string
	}{
		// The deployment wins over kube-state-metrics' own pod label.
		"replicas mismatch": {with(stack, "alertname", "KubeDeploymentReplicasMismatch", "deployment", "checkout"), "checkout"},
		"crash looping":     {with(stack, "alertname", "KubePodCrashLooping", "pod", "checkout-7d9f6b8c5-x2k4q", "container", "checkout"), "checkout"},
		// sum by (namespace, pod, job): job only.
		"not ready": {map[string]string{"alertname": "KubePodNotReady", "job": "kube-state-metrics", "pod": "checkout-7d9f6b8c5-x2k4q"}, "checkout"},
		// cAdvisor through the kubelet: service only, no job.
		"throttled": {map[string]string{"alertname": "CPUThrottlingHigh", "service": "kube-prometheus-stack-kubelet", "pod": "redis-0"}, "redis"},
		// An exporter alert about no workload keeps the exporter.
		"node not ready": {with(stack, "alertname", "KubeNodeNotReady", "node", "n1", "pod", ""), "kube-prometheus-stack-kube-state-metrics"},
		// Not an exporter of others' state: its own service.
		"node exporter": {map[string]string{"alertname": "NodeFilesystemSpaceFillingUp", "job": "node-exporter", "service": "node-exporter", "pod": "node-exporter-x2k4q"}, "node-exporter"},
		"app alert":     {map[string]string{"alertname": "HighErrorRate", "job": "checkout", "service": "checkout-svc", "pod": "checkout-7d9f6b8c5-x2k4q"}, "checkout-svc"},
		"sloth":         {map[string]string{"alertname": "CheckoutHighErrorRate", "sloth_service": "checkout", "sloth_slo": "requests-availability"}, "checkout"},
		"none":          {map[string]string{"alertname": "Watchdog"}, ""},
	} {
		if got := m.Service(c.labels); got != c.want {
			t.Errorf("%s: Service = %q, want %q", name, got, c.want)
		}
	}
	// Without workload labels the mapping is the first label present.
	plain := &ServiceMapping{Labels: m.Labels, Exporters: m.Exporters}
	if got := plain.Service(with(stack, "deployment", "checkout")); got != "kube-prometheus-stack-kube-state-metrics" {
		t.Errorf("no workload labels: Service = %q", got)
	}
	if _, err := CompileExporter("("); err == nil {
		t.Error("CompileExporter(\"(\"): want an error")
	}
}

// BenchmarkServiceMapping: what the workload mapping costs the receiver
// per alert (a kube-state-metrics pod alert, the longest path: two
// exporter patterns, then a pod name cut).
func BenchmarkServiceMapping(b *testing.B) {
	ksm, _ := CompileExporter(`(.+-)?kube-state-metrics`)
	kubelet, _ := CompileExporter(`(.+-)?kubelet`)
	m := &ServiceMapping{
		Labels:    []string{"service", "service_name", "sloth_service", "job"},
		Exporters: []*regexp.Regexp{kubelet, ksm},
		Workload:  []string{"deployment", "statefulset", "daemonset", "pod"},
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"crash-looping-pod", map[string]string{
			"alertname": "KubePodCrashLooping", "job": "kube-state-metrics", "service": "kube-prometheus-stack-kube-state-metrics",
			"pod": "checkout-7d9f6b8c5-x2k4q", "container": "checkout", "namespace": "shop",
		}},
		{"sloth", map[string]string{"alertname": "CheckoutHighErrorRate", "sloth_service": "checkout"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if m.Service(c.labels) != "checkout" {
					b.Fatal("wrong service")
				}
			}
		})
	}
}
