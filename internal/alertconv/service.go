package alertconv

import (
	"regexp"
	"strings"
)

// ServiceMapping reads an alert's service from its labels: the first of
// Labels present, unless that names an exporter of other workloads' state
// (kube-state-metrics, the kubelet's cAdvisor), whose alerts are about the
// workload their labels name, not about the exporter.
//
// In a cluster monitored by the Prometheus Operator every workload alert
// of kubernetes-mixin is evaluated on kube-state-metrics or the kubelet:
// KubePodCrashLooping about pod checkout-7d9f6b8c5-x2k4q carries
// job="kube-state-metrics" (and, from kube-prometheus-stack,
// service="<release>-kube-state-metrics"), so a service read from
// service or job names one exporter for every pod of the cluster
// (internal/alertscenario/published/kube-prometheus-alerts.yaml).
type ServiceMapping struct {
	// Labels are tried in order; the first present names the service.
	Labels []string
	// Exporters match (fully) the service Labels give for an alert raised
	// by an exporter of other workloads' state. Empty: no alert is.
	Exporters []*regexp.Regexp
	// Workload labels name such an alert's subject, tried in order; the
	// first present is its service. A pod's name is cut to its workload's
	// (WorkloadOfPod). Empty: the exporter stays the service.
	Workload []string
}

// Service is the service an alert with labels is about, or "".
func (m *ServiceMapping) Service(labels map[string]string) string {
	svc := FirstLabel(labels, m.Labels)
	if svc == "" || len(m.Workload) == 0 || !m.exporter(svc) {
		return svc
	}
	for _, l := range m.Workload {
		if v := labels[l]; v != "" {
			if l == "pod" {
				return WorkloadOfPod(v)
			}
			return v
		}
	}
	return svc
}

func (m *ServiceMapping) exporter(svc string) bool {
	for _, re := range m.Exporters {
		if re.MatchString(svc) {
			return true
		}
	}
	return false
}

// FirstLabel is the value of the first of names present in labels, or "".
func FirstLabel(labels map[string]string, names []string) string {
	for _, n := range names {
		if v := labels[n]; v != "" {
			return v
		}
	}
	return ""
}

// CompileExporter compiles an exporter pattern anchored at both ends, as
// Prometheus anchors relabelling regexes.
func CompileExporter(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + pattern + ")$")
}

// Kubernetes names the pods it creates with suffixes drawn from
// apimachinery's rand.SafeEncodeString alphabet (no vowels, no 0, 1, 3):
// a Deployment's pods <deployment>-<pod-template-hash>-<5>, the hash of
// up to 10 characters; a DaemonSet's and a Job's <name>-<5>; a
// StatefulSet's pods are <statefulset>-<ordinal>.
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// WorkloadOfPod is the name of the workload that owns pod, read from the
// suffixes Kubernetes gives the pods it creates: checkout-7d9f6b8c5-x2k4q
// is checkout, node-exporter-x2k4q node-exporter, redis-0 redis. A name
// without such a suffix is returned as it is. String scans, not regular
// expressions: the receiver runs this on every workload alert.
func WorkloadOfPod(pod string) string {
	name, last, ok := cutLast(pod)
	if !ok {
		return pod
	}
	if len(last) == 5 && safe(last) {
		if owner, hash, ok := cutLast(name); ok && len(hash) >= 5 && len(hash) <= 10 && safe(hash) {
			return owner
		}
		return name
	}
	if digits(last) {
		return name
	}
	return pod
}

// cutLast splits s at its last '-' into a non-empty name and a non-empty
// suffix.
func cutLast(s string) (name, suffix string, ok bool) {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 || i == len(s)-1 || s[i-1] == '-' {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(safeAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
