package published

import (
	"fmt"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// SocialNetworkStorms is the tuning storm family "storms on social-network"
// (the DeathStarBench social network, entered at nginx-thrift and
// media-frontend), as the alert correlator's evaluation defines it; root is
// the repository root. The end-to-end evaluation replays its first storms
// against the built binary (QUELL_EVAL_FAMILY=social-network).
func SocialNetworkStorms(root string) (*alertscenario.FamilySpec, error) {
	t, err := Topology(root, "social-network", "nginx-thrift", "media-frontend")
	if err != nil {
		return nil, err
	}
	all := []alertscenario.Propagation{alertscenario.HopDecay, alertscenario.FanIn, alertscenario.Async, alertscenario.RetryStorm}
	return &alertscenario.FamilySpec{
		Name: "storms on social-network", Topology: t,
		Propagations: all, NeighbourNoise: 0.6, Storms: alertscenario.StormRegime(15), Seed: 1212,
		ErrorRate: 0.5, Relay: 0.6,
	}, nil
}

// E2EFamily is the storm family the end-to-end evaluation replays (make
// eval-alerts-e2e): "" or "scale-free-250" for alertscenario.ScaleFreeStorms,
// "social-network" for SocialNetworkStorms; root is the repository root.
// Both are tuning families: a held-out family is not replayed, so that
// nothing is diagnosed on it.
func E2EFamily(root, name string) (*alertscenario.FamilySpec, error) {
	switch name {
	case "", "scale-free-250":
		return alertscenario.ScaleFreeStorms(), nil
	case "social-network":
		return SocialNetworkStorms(root)
	}
	return nil, fmt.Errorf("QUELL_EVAL_FAMILY %q: want scale-free-250 or social-network", name)
}
