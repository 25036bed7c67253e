package alertscenario

import (
	"fmt"
	"strings"
)

// The "kube" convention (Convention.LabelStyle "kube"): every alert is one
// of the published rules a Kubernetes cluster monitored by the Prometheus
// Operator fires (published/kube-prometheus-alerts.yaml, transcribed from
// kubernetes-mixin, node-mixin, kube-prometheus and Sloth), labelled as
// kube-prometheus-stack's scrape and the Operator stamp them: a root's own
// workload alerts (crash-looping, not ready, CPU-throttled) evaluated on
// kube-state-metrics or the kubelet, its callers' Sloth SLO burn-rate
// alerts, noise from the same rule sets. The alert's service is read
// through the receiver's shipped mapping
// (alertwebhookreceiver.DefaultServiceMapping), as a user of
// config/alerts.yaml gets it. Each kind has as many names as the
// hinted convention, so the generator draws the same faults, storms and
// timings.
var kubeRules = map[string][]string{
	"root":    {"KubePodCrashLooping", "KubePodNotReady", sloErrors},
	"latency": {"CPUThrottlingHigh", sloLatency},
	"symptom": {sloErrors, sloLatency},
	"lag":     {sloLatency},
	"noise":   {"CPUThrottlingHigh", "KubeContainerWaiting"},
	"flap":    {"CPUThrottlingHigh"},
	"maint":   {"TargetDown"},
	"second":  {sloErrors, sloLatency, "KubeDeploymentReplicasMismatch"},
}

// Sloth alert names are the user's, one per SLO of a service (Sloth's
// example: MyServiceHighErrorRate); the page and ticket alerts share it.
const (
	sloErrors  = "HighErrorRate"
	sloLatency = "HighLatency"
)

// kubeRule is the alert name of rule on svc.
func kubeRule(rule, svc string) string {
	if rule == sloErrors || rule == sloLatency {
		return camel(svc) + rule
	}
	return rule
}

// kubeSeverity is the severity the published rule carries: warning for
// kubernetes-mixin's workload rules and TargetDown, info for
// CPUThrottlingHigh; Sloth's are the user's, here its own sloth_severity
// words, page (the fast windows) or ticket (a second, slower burn).
func kubeSeverity(kind, rule string) string {
	switch {
	case rule == "CPUThrottlingHigh":
		return "info"
	case strings.HasSuffix(rule, sloErrors) || strings.HasSuffix(rule, sloLatency):
		if kind == "second" {
			return "ticket"
		}
		return "page"
	}
	return "warning"
}

// kubeLabels is the label set of alert rule on svc as it reaches
// Alertmanager from a kube-prometheus-stack cluster.
func kubeLabels(svc, rule, sev string) map[string]string {
	pod := kubePod(svc)
	l := map[string]string{"alertname": rule, "severity": sev, "prometheus": "kube-prometheus-stack/kube-prometheus-stack-prometheus"}
	ksm := func() {
		l["job"], l["service"], l["endpoint"] = "kube-state-metrics", "kube-prometheus-stack-kube-state-metrics", "http"
		l["instance"], l["container"] = "10.42.3.19:8080", "kube-state-metrics"
		l["pod"] = "kube-prometheus-stack-kube-state-metrics-7c8b8bf58c-x4vcd"
		l["namespace"] = "shop"
	}
	switch {
	case rule == "KubePodCrashLooping" || rule == "KubeContainerWaiting":
		ksm()
		l["pod"], l["container"] = pod, svc
		l["reason"] = map[bool]string{true: "CrashLoopBackOff", false: "ImagePullBackOff"}[rule == "KubePodCrashLooping"]
	case rule == "KubePodNotReady":
		// sum by (namespace, pod, job, cluster): nothing else survives.
		l = map[string]string{"alertname": rule, "severity": sev, "prometheus": l["prometheus"], "job": "kube-state-metrics", "namespace": "shop", "pod": pod}
	case rule == "KubeDeploymentReplicasMismatch":
		ksm()
		l["deployment"] = svc
	case rule == "CPUThrottlingHigh":
		l["service"], l["namespace"], l["pod"], l["container"] = "kube-prometheus-stack-kubelet", "shop", pod, svc
		l["instance"] = "10.0.0.34:10250"
	case rule == "TargetDown":
		l["job"], l["namespace"], l["service"] = svc, "shop", svc
	default: // Sloth
		slo := "requests-availability"
		if strings.HasSuffix(rule, sloLatency) {
			slo = "requests-latency"
		}
		l["sloth_service"], l["sloth_slo"], l["sloth_id"] = svc, slo, svc+"-"+slo
		l["sloth_severity"] = sev
	}
	return l
}

// kubePod names one of svc's Deployment pods as Kubernetes does:
// <deployment>-<pod-template-hash>-<5>, both from the safe alphabet.
func kubePod(svc string) string {
	const safe = "bcdfghjklmnpqrstvwxz2456789"
	h := uint64(14695981039346656037)
	for _, c := range []byte(svc) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	var b strings.Builder
	for i := range 14 {
		if i == 9 {
			b.WriteByte('-')
		}
		b.WriteByte(safe[h%uint64(len(safe))])
		h /= uint64(len(safe))
		if h == 0 {
			h = 0x9e3779b97f4a7c15
		}
	}
	return fmt.Sprintf("%s-%s", svc, b.String())
}

// camel is svc in CamelCase (checkout-service: CheckoutService).
func camel(svc string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(svc, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
