package eval

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

// Family is one scenario family as the evaluation runs it.
type Family struct {
	Spec *alertscenario.FamilySpec
	// ServiceLabel is the label the correlator reads the service from
	// (the processor's service_label).
	ServiceLabel string
}

// Families returns the scenario families, each written from different
// assumptions. The seeds were frozen (this list committed) before any
// tuning; tuning looked only at the first two, the others are held out.
// root is the repository root.
func Families(root string) ([]Family, error) {
	demo, err := topology.LoadFile(filepath.Join(root, "processor/alertcorrelatorprocessor/testdata/otel-demo-topology.yaml"))
	if err != nil {
		return nil, err
	}
	boutique, err := topology.LoadFile(filepath.Join(root, "internal/alertscenario/graphs/online-boutique.yaml"))
	if err != nil {
		return nil, err
	}
	sock, err := topology.LoadFile(filepath.Join(root, "internal/alertscenario/graphs/sock-shop.yaml"))
	if err != nil {
		return nil, err
	}
	all := []alertscenario.Propagation{alertscenario.HopDecay, alertscenario.FanIn, alertscenario.Async, alertscenario.RetryStorm}
	return []Family{
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "layered-120 (hop decay, fan-in)", Topology: alertscenario.Generated(120, 11),
			Propagations: []alertscenario.Propagation{alertscenario.HopDecay, alertscenario.FanIn},
			HopDelay:     [2]time.Duration{10 * time.Second, 60 * time.Second}, SecondFault: 0.3,
			NeighbourNoise: 0.5, FlappingNeighbour: 0.2, MaintenanceEvery: 8, Faults: 30, Seed: 101,
			ErrorRate: 0.5, Relay: 0.7,
		}},
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "otel-demo (async, retry storm)", Topology: alertscenario.Demo(demo),
			Propagations: []alertscenario.Propagation{alertscenario.Async, alertscenario.RetryStorm, alertscenario.HopDecay},
			HopDelay:     [2]time.Duration{5 * time.Second, 90 * time.Second}, SecondFault: 0.3,
			NeighbourNoise: 0.5, FlappingNeighbour: 0.3, MaintenanceEvery: 10, Faults: 30, Seed: 202,
			ErrorRate: 0.4, Relay: 0.6,
		}},
		{ServiceLabel: "job", Spec: &alertscenario.FamilySpec{
			Name: "online-boutique (job/instance/pod labels)", HeldOut: true, Topology: benchmark("online-boutique", boutique, []string{"loadgenerator"}, "redis-cart"),
			Propagations: all, Convention: alertscenario.Convention{LabelStyle: "job"},
			HopDelay: [2]time.Duration{10 * time.Second, 100 * time.Second}, SecondFault: 0.4,
			NeighbourNoise: 0.5, FlappingNeighbour: 0.3, MaintenanceEvery: 6, Faults: 30, Seed: 303,
			ErrorRate: 0.3, Relay: 0.8,
		}},
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "sock-shop (one severity, opaque rule names)", HeldOut: true, Topology: benchmark("sock-shop", sock, []string{"edge-router"}, "catalogue-db", "carts-db", "orders-db", "user-db"),
			Propagations: all, Convention: alertscenario.Convention{UniformSeverity: true, OpaqueRules: true},
			HopDelay: [2]time.Duration{5 * time.Second, 100 * time.Second}, SecondFault: 0.4,
			NeighbourNoise: 0.6, FlappingNeighbour: 0.4, MaintenanceEvery: 5, Faults: 30, Seed: 404,
			ErrorRate: 0.6, Relay: 0.5,
		}},
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "layered-400 (all kinds, one severity, opaque)", HeldOut: true, Topology: alertscenario.Generated(400, 55),
			Propagations: all, Convention: alertscenario.Convention{UniformSeverity: true, OpaqueRules: true},
			HopDelay: [2]time.Duration{5 * time.Second, 100 * time.Second}, SecondFault: 0.5,
			NeighbourNoise: 0.5, FlappingNeighbour: 0.3, MaintenanceEvery: 6, Faults: 30, Seed: 505,
			ErrorRate: 0.4, Relay: 0.6,
		}},
	}, nil
}

// benchmark makes a topology of a published benchmark's graph: dbs are its
// databases, rabbitmq (when present) its broker, every node a fault root.
func benchmark(name string, services map[string][]string, entry []string, dbs ...string) *alertscenario.Topology {
	t := &alertscenario.Topology{Name: name, Services: services, Databases: map[string]string{}, Brokers: map[string]bool{}, Entry: entry}
	for _, d := range dbs {
		t.Databases[d] = "db"
	}
	if _, ok := services["rabbitmq"]; ok {
		t.Brokers["rabbitmq"] = true
	}
	t.Faults = slices.DeleteFunc(t.Nodes(), func(n string) bool { return slices.Contains(entry, n) })
	if len(t.Faults) == 0 {
		panic(fmt.Sprintf("%s: no fault candidates", name))
	}
	return t
}
