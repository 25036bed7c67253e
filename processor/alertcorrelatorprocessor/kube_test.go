package alertcorrelatorprocessor

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/freeport"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver"
)

// The labels of a failing deployment's alerts as a kube-prometheus-stack
// cluster sends them (internal/alertscenario/published/
// kube-prometheus-alerts.yaml: kubernetes-mixin rules as kube-prometheus
// renders them, the scrape labels of kube-state-metrics, the kubelet and
// the Operator's external label, and Sloth's burn-rate alerts).
var (
	ksmScrape = map[string]string{
		"job": "kube-state-metrics", "service": "kube-prometheus-stack-kube-state-metrics",
		"endpoint": "http", "instance": "10.42.3.19:8080", "container": "kube-state-metrics",
		"pod":        "kube-prometheus-stack-kube-state-metrics-7c8b8bf58c-x4vcd",
		"prometheus": "kube-prometheus-stack/kube-prometheus-stack-prometheus",
	}
	external = map[string]string{"prometheus": "kube-prometheus-stack/kube-prometheus-stack-prometheus"}
)

func labelSet(alert, severity string, sets ...map[string]string) map[string]string {
	out := map[string]string{"alertname": alert, "severity": severity}
	for _, s := range sets {
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}

// slothPage is Sloth's page alert on svc (alert name and severity are the
// user's: Sloth's example names them <Service>HighErrorRate, "pageteam").
func slothPage(alert, svc string) map[string]string {
	return labelSet(alert, "pageteam", external, map[string]string{
		"sloth_id": svc + "-requests-availability", "sloth_service": svc, "sloth_slo": "requests-availability",
		"sloth_severity": "page", "category": "availability",
	})
}

// kubeStorm is payment crash-looping as the alerts arrive, each at its
// rule's for: (15m for the kubernetes-mixin rules, 10m for TargetDown);
// its callers' Sloth page alerts have no for: and fire once their 5m
// window burns 14.4 times the budget (the minutes here are not sourced).
func kubeStorm() []struct {
	at     time.Duration
	labels map[string]string
} {
	pod := func(p string) map[string]string { return map[string]string{"namespace": "shop", "pod": p} }
	crash := func(p string) map[string]string {
		return labelSet("KubePodCrashLooping", "warning", ksmScrape, pod(p),
			map[string]string{"container": "payment", "reason": "CrashLoopBackOff"})
	}
	return []struct {
		at     time.Duration
		labels map[string]string
	}{
		{2 * time.Minute, slothPage("CheckoutHighErrorRate", "checkout")},
		{3 * time.Minute, slothPage("FrontendHighErrorRate", "frontend")},
		{10 * time.Minute, labelSet("TargetDown", "warning", external, map[string]string{"job": "payment", "namespace": "shop", "service": "payment"})},
		{15 * time.Minute, crash("payment-7d9f6b8c5-x2k4q")},
		{15 * time.Minute, crash("payment-7d9f6b8c5-b7wzp")},
		{15 * time.Minute, labelSet("KubePodNotReady", "warning", pod("payment-7d9f6b8c5-x2k4q"), map[string]string{"job": "kube-state-metrics"})},
		{15 * time.Minute, labelSet("KubeDeploymentReplicasMismatch", "warning", ksmScrape, map[string]string{"namespace": "shop", "deployment": "payment"})},
	}
}

// teeServices records the service.name the receiver gives each alert.
type teeServices struct {
	next consumer.Logs
	got  map[string]string // alertname/pod -> service.name
}

func (t *teeServices) Capabilities() consumer.Capabilities { return t.next.Capabilities() }

func (t *teeServices) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		svc, _ := rl.Resource().Attributes().Get(alertconv.ResourceServiceName)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			for k := 0; k < rl.ScopeLogs().At(j).LogRecords().Len(); k++ {
				a := rl.ScopeLogs().At(j).LogRecords().At(k).Attributes()
				name, _ := a.Get(alertconv.AttrRuleName)
				key := name.Str()
				if p, ok := a.Get(alertconv.AttrLabelPrefix + "pod"); ok && name.Str() != "KubeDeploymentReplicasMismatch" {
					key += "/" + p.Str()
				}
				t.got[key] = svc.Str()
			}
		}
	}
	return t.next.ConsumeLogs(ctx, ld)
}

// runKubeStorm posts kubeStorm as Alertmanager v4 webhooks to an
// alert_webhook receiver configured by rcfg, feeding the correlator with
// config/alerts.yaml's settings (the defaults, group_wait and
// resolve_hold 1m) and the shop's topology; it returns the service each
// alert got and the incidents opened.
func runKubeStorm(t *testing.T, rcfg *alertwebhookreceiver.Config) (map[string]string, []incidentRecord) {
	cfg := createDefaultConfig().(*Config)
	cfg.TickInterval = time.Hour // the test drives time
	cfg.Topology.File = "testdata/kube-shop-topology.yaml"
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())
	defer h.stop(t)

	tee := &teeServices{next: h.logs, got: map[string]string{}}
	rcfg.ServerConfig.NetAddr.Endpoint = freeport.Addr(t)
	set := receivertest.NewNopSettings(alertwebhookreceiver.NewFactory().Type())
	rcv, err := alertwebhookreceiver.NewFactory().CreateLogs(context.Background(), set, rcfg, tee)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, rcv.Shutdown(context.Background())) }()

	storm := kubeStorm()
	next := 0
	for at := time.Duration(0); at <= 25*time.Minute; at += 10 * time.Second {
		h.clock.Set(t0.Add(at))
		for ; next < len(storm) && storm[next].at <= at; next++ {
			postAlert(t, "http://"+rcfg.ServerConfig.NetAddr.Endpoint+"/alertmanager", storm[next].labels, t0.Add(storm[next].at))
		}
		h.tickAt(at)
	}
	var opened []incidentRecord
	for _, in := range incidents(t, h.lsink) {
		if in.attrs[alertconv.AttrIncidentState] == alertconv.IncidentOpen {
			opened = append(opened, in)
		}
	}
	return tee.got, opened
}

func postAlert(t *testing.T, url string, labels map[string]string, startsAt time.Time) {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"version": "4", "status": "firing", "receiver": "quell", "groupKey": "{}:{}",
		"alerts": []map[string]any{{
			"status": "firing", "labels": labels, "annotations": map[string]string{},
			"startsAt": startsAt.Format(time.RFC3339), "endsAt": "0001-01-01T00:00:00Z",
			"fingerprint": alertconv.Fingerprint(labels),
		}},
	})
	require.NoError(t, err)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body)) //nolint:noctx // a test
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func roots(in []incidentRecord) []string {
	var out []string
	for _, r := range in {
		out = append(out, r.attrs[alertconv.AttrIncidentRootService].(string))
	}
	sort.Strings(out)
	return out
}

// TestKubePrometheusStorm: one crash-looping deployment in a cluster
// monitored by kube-prometheus-stack. Under the receiver's former mapping
// ([service, service_name, job], no workload) every kubernetes-mixin alert
// is kube-state-metrics' and Sloth's have no service, so the failing
// deployment is never named; with the workload mapping each alert is its
// subject's. 7 alerts: 7 pages under the former mapping, 5 with the
// mapping and the former local_rules (each KubePodCrashLooping its own), 3
// with both changes.
func TestKubePrometheusStorm(t *testing.T) {
	former := alertwebhookreceiver.NewFactory().CreateDefaultConfig().(*alertwebhookreceiver.Config)
	former.ResourceLabels.ServiceName = []string{"service", "service_name", "job"}
	former.ResourceLabels.Workload = alertwebhookreceiver.WorkloadLabelsConfig{}
	got, opened := runKubeStorm(t, former)
	t.Logf("former mapping: services %v; %d incidents, roots %v", got, len(opened), roots(opened))
	assert.Equal(t, "kube-prometheus-stack-kube-state-metrics", got["KubeDeploymentReplicasMismatch"])
	assert.Equal(t, "kube-state-metrics", got["KubePodNotReady/payment-7d9f6b8c5-x2k4q"])
	assert.Equal(t, "", got["CheckoutHighErrorRate"])
	assert.Len(t, opened, len(kubeStorm()), "every alert pages on its own")

	shipped := alertwebhookreceiver.NewFactory().CreateDefaultConfig().(*alertwebhookreceiver.Config)
	got, opened = runKubeStorm(t, shipped)
	t.Logf("shipped mapping: services %v; %d incidents, roots %v", got, len(opened), roots(opened))
	assert.Equal(t, map[string]string{
		"CheckoutHighErrorRate":                       "checkout",
		"FrontendHighErrorRate":                       "frontend",
		"TargetDown":                                  "payment",
		"KubePodCrashLooping/payment-7d9f6b8c5-x2k4q": "payment",
		"KubePodCrashLooping/payment-7d9f6b8c5-b7wzp": "payment",
		"KubePodNotReady/payment-7d9f6b8c5-x2k4q":     "payment",
		"KubeDeploymentReplicasMismatch":              "payment",
	}, got)
	// The callers' page (2m), TargetDown (its for: 10m) and the
	// kubernetes-mixin alerts (for: 15m) come further apart than
	// correlation.window (3m) and onset_window (2m): three pages, each
	// crash-looping pod no longer a page of its own (local_rules).
	assert.Equal(t, []string{"checkout", "payment", "payment"}, roots(opened))
}
