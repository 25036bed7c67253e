package eval

import (
	"path/filepath"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/alertscenario/published"
	"github.com/quell-otel/quell/internal/topology"
)

// latencyFamilies are the families with latency faults (the root's own
// work slows down; its callers slow through it and some of their calls
// time out: alertscenario.TraceStream). Their seeds were frozen (this list
// and frozen_test.go committed) before the correlator was run on them:
// the scale-free storms, latency and error faults mixed, for tuning; the
// Sock Shop one, latency faults only, held out.
func latencyFamilies(root string) ([]Family, error) {
	sock, err := topology.LoadFile(filepath.Join(root, "internal/alertscenario/graphs/sock-shop.yaml"))
	if err != nil {
		return nil, err
	}
	all := []alertscenario.Propagation{alertscenario.HopDecay, alertscenario.FanIn, alertscenario.Async, alertscenario.RetryStorm}
	return []Family{
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "latency storms on scale-free-200", Topology: alertscenario.ScaleFree(200, 91),
			Propagations: all, NeighbourNoise: 0.6, Seed: 909, ErrorRate: 0.4, Relay: 0.7, Latency: 0.5,
			Storms: &alertscenario.StormShape{
				Storms: 12, Concurrent: [2]int{1, 4},
				Length: [2]time.Duration{150 * time.Second, 400 * time.Second},
				Gap:    [2]time.Duration{10 * time.Minute, 20 * time.Minute},
				Spread: [2]time.Duration{5 * time.Second, 4 * time.Minute}, Adjacent: 0.4, Maintenance: 0.25,
			},
		}},
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "latency faults on sock-shop", HeldOut: true,
			Topology:     published.Benchmark("sock-shop", sock, []string{"edge-router"}, "catalogue-db", "carts-db", "orders-db", "user-db"),
			Propagations: all, HopDelay: [2]time.Duration{10 * time.Second, 90 * time.Second}, SecondFault: 0.3,
			NeighbourNoise: 0.5, FlappingNeighbour: 0.3, MaintenanceEvery: 6, Faults: 30, Seed: 1111,
			ErrorRate: 0.5, Relay: 0.6, Latency: 1,
		}},
	}, nil
}
