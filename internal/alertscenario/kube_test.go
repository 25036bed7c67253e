package alertscenario

import (
	"testing"

	"github.com/quell-otel/quell/receiver/alertwebhookreceiver"
)

// TestKubeConvention: under the kube convention every alert carries a
// published rule's label set, and the receiver's shipped mapping reads
// from it the service the generator meant; the storm is the one the
// hinted convention draws (same faults, same onsets).
func TestKubeConvention(t *testing.T) {
	own := ScaleFreeStorms()
	kube := ScaleFreeStorms()
	kube.Convention.LabelStyle = "kube"
	a, b := GenerateFamily(own), GenerateFamily(kube)
	if len(a.Faults) != len(b.Faults) || len(a.Truths) != len(b.Truths) {
		t.Fatalf("kube draws %d faults, %d truths; own %d, %d", len(b.Faults), len(b.Truths), len(a.Faults), len(a.Truths))
	}
	for i := range a.Faults {
		if a.Faults[i] != b.Faults[i] {
			t.Fatalf("fault %d: kube %+v, own %+v", i, b.Faults[i], a.Faults[i])
		}
	}
	m := alertwebhookreceiver.DefaultServiceMapping()
	rules := map[string]int{}
	for _, n := range b.Notifications {
		if got := m.Service(n.Labels()); got != n.Service {
			t.Fatalf("%s on %s: the shipped mapping reads %q from %v", n.Rule, n.Service, got, n.Labels())
		}
		rules[n.Labels()["job"]+"/"+n.Labels()["service"]]++
	}
	if rules["kube-state-metrics/kube-prometheus-stack-kube-state-metrics"] == 0 {
		t.Errorf("no kube-state-metrics alert drawn: %v", rules)
	}
	// The former mapping names kube-state-metrics, the kubelet or nothing.
	former := alertwebhookreceiver.DefaultServiceMapping()
	former.Labels, former.Workload = []string{"service", "service_name", "job"}, nil
	wrong := 0
	for _, n := range b.Notifications {
		if former.Service(n.Labels()) != n.Service {
			wrong++
		}
	}
	t.Logf("kube convention: %d notifications, %d read as another service by the former mapping", len(b.Notifications), wrong)
	if wrong == 0 {
		t.Error("the former mapping reads every kube alert right: the convention tests nothing")
	}
}
