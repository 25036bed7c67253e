package eval

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/evidence"
)

// TestLinkDiag tallies what the trace evidence says at each alert's onset
// about an active fault downstream of its service (EVAL_LINK_DIAG=<part of
// a family name>): evidence.Link (0 unknown, 1 linked, 2 unlinked) and
// whether errors originate in the alert's service, split by whether the
// alert belongs to that fault ("member") or not ("other": noise, another
// fault). It shows whether Link could gate joining (README, Evaluation).
func TestLinkDiag(t *testing.T) {
	name := os.Getenv("EVAL_LINK_DIAG")
	if name == "" {
		t.Skip("set EVAL_LINK_DIAG=<family>")
	}
	fams, err := Families("../../../..")
	require.NoError(t, err)
	for _, f := range fams {
		if !strings.Contains(f.Spec.Name, name) {
			continue
		}
		s := alertscenario.GenerateFamily(f.Spec)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		ts := alertscenario.NewTraceStream(s, 20, f.Spec.ErrorRate, f.Spec.Relay, f.Spec.Seed)
		ev := evidence.New(evidence.Config{})
		tally := map[string]int{}
		var traced time.Time
		seen := map[int]bool{}
		first := s.Notifications[0].At
		for tt := first.Add(-10 * time.Minute); tt.Before(first); tt = tt.Add(5 * time.Second) {
			ev.Observe(ts.Tick(tt), tt)
			traced = tt
		}
		for _, n := range s.Notifications {
			for ; !traced.After(n.At); traced = traced.Add(5 * time.Second) {
				ev.Observe(ts.Tick(traced), traced)
			}
			if seen[n.Episode] || n.State != "firing" {
				continue
			}
			seen[n.Episode] = true
			tr := s.Truths[s.EpisodeTruth[n.Episode]]
			for _, fl := range s.Faults {
				if n.At.Before(fl.From) || !n.At.Before(fl.To) || fl.Root == n.Service {
					continue
				}
				hops := 0
				for _, d := range g.DependencyList(n.Service, 3) {
					if d.Service == fl.Root {
						hops = d.Hops
					}
				}
				if hops == 0 {
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
		for k, v := range tally {
			fmt.Println(f.Spec.Name, k, v)
		}
	}
}
