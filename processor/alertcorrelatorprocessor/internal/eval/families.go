package eval

import (
	"path/filepath"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/alertscenario/published"
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
// tuning; tuning looks only at the families not HeldOut (the first two,
// the scale-free, layered-300 and social-network storms, the latency
// storms on scale-free-200), the others are held out. TestFamiliesFrozen
// guards what each generates. root is the repository root. EVAL_SEED=k
// draws the families' k-th other draw instead, EVAL_SECOND_ALERTS and
// EVAL_CONVENTION change their alerts (redraw).
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
	storms, err := stormFamilies(root)
	if err != nil {
		return nil, err
	}
	latency, err := latencyFamilies(root)
	if err != nil {
		return nil, err
	}
	storms = append(storms, latency...)
	all := []alertscenario.Propagation{alertscenario.HopDecay, alertscenario.FanIn, alertscenario.Async, alertscenario.RetryStorm}
	return redraw(append([]Family{
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
			Name: "online-boutique (job/instance/pod labels)", HeldOut: true, Topology: published.Benchmark("online-boutique", boutique, []string{"loadgenerator"}, "redis-cart"),
			Propagations: all, Convention: alertscenario.Convention{LabelStyle: "job"},
			HopDelay: [2]time.Duration{10 * time.Second, 100 * time.Second}, SecondFault: 0.4,
			NeighbourNoise: 0.5, FlappingNeighbour: 0.3, MaintenanceEvery: 6, Faults: 30, Seed: 303,
			ErrorRate: 0.3, Relay: 0.8,
		}},
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "sock-shop (one severity, opaque rule names)", HeldOut: true, Topology: published.Benchmark("sock-shop", sock, []string{"edge-router"}, "catalogue-db", "carts-db", "orders-db", "user-db"),
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
	}, storms...))
}

// stormFamilies are the storm families (alertscenario.StormShape): 12-15
// storms of 150-400 s, 1-5 concurrent faults each, after the regime of the
// held-out suite issue 13 describes. Their seeds were frozen (this list
// committed) before the correlator was run on them.
func stormFamilies(root string) ([]Family, error) {
	trainTicket, err := published.Topology(root, "train-ticket", "ts-ui-dashboard")
	if err != nil {
		return nil, err
	}
	socialNetwork, err := published.SocialNetworkStorms(root)
	if err != nil {
		return nil, err
	}
	hotelReservation, err := published.Topology(root, "hotel-reservation", "frontend")
	if err != nil {
		return nil, err
	}
	all := []alertscenario.Propagation{alertscenario.HopDecay, alertscenario.FanIn, alertscenario.Async, alertscenario.RetryStorm}
	return []Family{
		// The end-to-end evaluation replays its first storms against the
		// built binary (internal/e2e TestStormEvalBinary).
		{ServiceLabel: "service", Spec: alertscenario.ScaleFreeStorms()},
		// Tuning, added in the ninth pass (issue 13) so that a large graph is
		// tuned on: its seed frozen before the correlator ran on it.
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "storms on layered-300", Topology: alertscenario.Generated(300, 93),
			Propagations: all, NeighbourNoise: 0.6, Storms: alertscenario.StormRegime(14), Seed: 909,
			ErrorRate: 0.45, Relay: 0.65,
		}},
		// Tuning, added in the forty-fifth pass (issue 13) so that a small
		// real graph is tuned on, where every noise alert sits next to a
		// fault and concurrent faults share stores: the DeathStarBench
		// social network, its seed frozen before the correlator ran on it.
		{ServiceLabel: "service", Spec: socialNetwork},
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "storms on train-ticket", HeldOut: true, Topology: trainTicket,
			Propagations: all, NeighbourNoise: 0.6, Storms: alertscenario.StormRegime(15), Seed: 707,
			ErrorRate: 0.5, Relay: 0.6,
		}},
		{ServiceLabel: "job", Spec: &alertscenario.FamilySpec{
			Name: "storms on layered-500 with job labels", HeldOut: true, Topology: alertscenario.Generated(500, 81),
			Propagations: all, Convention: alertscenario.Convention{LabelStyle: "job"},
			NeighbourNoise: 0.7, Storms: alertscenario.StormRegime(12), Seed: 808,
			ErrorRate: 0.4, Relay: 0.6,
		}},
		// Held out, added in session 31 (issue 13): three assumptions no
		// tuning family shares at once. A small real graph whose entry
		// calls seven of its ten services (the DeathStarBench hotel
		// reservation), alerts paced by their rules' for: and evaluation,
		// not by hops (alertscenario.Pace.Rules), and one severity with
		// opaque rule names. Its seed frozen before the correlator ran on
		// it.
		{ServiceLabel: "service", Spec: &alertscenario.FamilySpec{
			Name: "storms on hotel-reservation (rule-paced, one severity)", HeldOut: true, Topology: hotelReservation,
			Propagations: all, Convention: alertscenario.Convention{UniformSeverity: true, OpaqueRules: true},
			Pace:           alertscenario.Pace{Rules: true},
			NeighbourNoise: 0.6, Storms: alertscenario.StormRegime(15), Seed: 1313,
			ErrorRate: 0.5, Relay: 0.6,
		}},
	}, nil
}
