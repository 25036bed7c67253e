package eval

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestLinkDiag tallies what the trace evidence says at each alert's onset
// about an active fault downstream of its service (EVAL_LINK_DIAG=<part of
// a family name>): evidence.Link (0 unknown, 1 linked, 2 unlinked) and
// whether errors originate in the alert's service, split by whether the
// alert belongs to that fault ("member") or not ("other": noise, another
// fault). It shows whether Link could gate joining (README, Evaluation).
func TestLinkDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_LINK_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		for k, v := range linkTally(s, g, f) {
			fmt.Println(f.Spec.Name, k, v)
		}
	}
}

// linkTally replays the family's traces (20 every 5 s, as Run does) and,
// at each episode's first firing notification, reads the evidence toward
// every fault active downstream of the alert's service.
func linkTally(s *alertscenario.Scenario, g *topology.Graph, f Family) map[string]int {
	ts := alertscenario.NewTraceStream(s, 20, f.Spec.ErrorRate, f.Spec.Relay, f.Spec.Seed)
	ev := evidence.New(EvidenceConfig())
	tally := map[string]int{}
	seen := map[int]bool{}
	traced := s.Notifications[0].At.Add(-10 * time.Minute)
	delay, _ := time.ParseDuration(os.Getenv("EVAL_LINK_DELAY"))
	for _, n := range s.Notifications {
		n.At = n.At.Add(delay)
		for ; !traced.After(n.At); traced = traced.Add(5 * time.Second) {
			ev.Observe(ts.Tick(traced), traced)
		}
		if seen[n.Episode] || n.State != "firing" {
			continue
		}
		seen[n.Episode] = true
		tr := s.Truths[s.EpisodeTruth[n.Episode]]
		for _, fl := range s.Faults {
			hops := hopsTo(g, n.Service, fl.Root)
			if n.At.Before(fl.From) || !n.At.Before(fl.To) || hops == 0 {
				continue
			}
			own := "other"
			if tr.Kind == "fault" && tr.Root == fl.Root {
				own = "member"
			}
			l := ev.Link(n.Service, fl.Root, 3, n.At)
			o := ev.Origin(n.Service, n.At).Anomalous
			tally[fmt.Sprintf("%s hops=%d link=%d originates=%v", own, hops, l, o)]++
		}
	}
	return tally
}

// hopsTo is how many hops from calls to reach to within 3, 0 if it does not.
func hopsTo(g *topology.Graph, from, to string) int {
	for _, d := range g.DependencyList(from, 3) {
		if d.Service == to {
			return d.Hops
		}
	}
	return 0
}
