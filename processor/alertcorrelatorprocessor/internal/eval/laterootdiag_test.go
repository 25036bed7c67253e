package eval

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestLateRootDiag (EVAL_LATEROOT_DIAG=<part of a family name>; tuning
// families only; meant with EVAL_PACE=rules) prints, for every fault whose
// root's first alert fires while some of its fault's alerts sit in other
// incidents, what the root found: the incident it joined or opened and
// what that held (the fault's own alerts, another fault's, noise), the
// root's placement (correlate.Engine.Placement), and per alert apart its
// caller hops to the root, how long before the root it alerted, and its
// incident (root, members, another fault's alerts); then a tally of where
// the roots went (EVALUATION.md, forty-eighth pass).
func TestLateRootDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_LATEROOT_DIAG") {
		fpEp := map[string]int{}
		rootAt := map[int]string{}
		s := alertscenario.GenerateFamily(f.Spec)
		seen := map[int]bool{}
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		_, _ = diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			fpEp[fp] = n.Episode
			if n.State != "firing" || seen[n.Episode] {
				return
			}
			seen[n.Episode] = true
			if n.Episode < 0 || n.Episode >= len(s.EpisodeTruth) {
				return
			}
			tid := s.EpisodeTruth[n.Episode]
			if s.Truths[tid].Kind != "fault" || s.Truths[tid].Root != n.Service {
				return
			}
			tr := s.Truths[tid]
			own := e.IncidentOf(fp)
			// The fault's earlier alerts and their incidents.
			var earlier, why []string
			apart := 0
			for ofp, ep := range fpEp {
				if ep == n.Episode || s.EpisodeTruth[ep] != tid {
					continue
				}
				id := e.IncidentOf(ofp)
				if id != own {
					apart++
					why = append(why, apartWhy(e, g, s, fpEp, ofp, id, n, tid))
				}
				earlier = append(earlier, id)
			}
			if apart == 0 {
				return
			}
			snap, _ := e.Incident(own, n.At)
			kinds := map[string]int{}
			for _, m := range snap.Members {
				ep, ok := fpEp[m]
				switch {
				case !ok || ep == n.Episode:
				case s.EpisodeTruth[ep] == tid:
					kinds["own"]++
				case s.Truths[s.EpisodeTruth[ep]].Kind == "fault":
					kinds["otherfault"]++
				default:
					kinds["noise"]++
				}
			}
			where := "opened alone"
			switch {
			case kinds["own"] > 0:
				where = "with some of its own"
			case kinds["otherfault"] > 0:
				where = "in another fault's incident"
			case kinds["noise"] > 0:
				where = "with noise only"
			}
			slices.Sort(earlier)
			slices.Sort(why)
			rootAt[n.Episode] = fmt.Sprintf("fault %d root %s +%s: %s (own=%d other=%d noise=%d) apart=%d/%d | %s\n    %s",
				tid, n.Service, n.StartsAt.Sub(tr.Onset).Round(time.Second), where, kinds["own"], kinds["otherfault"], kinds["noise"], apart, len(earlier), e.Placement(fp, n.At), strings.Join(why, "\n    "))
		})
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		for _, l := range rootAt {
			fmt.Println(l)
			w := l[strings.Index(l, ": ")+2 : strings.Index(l, " (")]
			tally[w]++
		}
		printTally(tally)
	}
}

// apartWhy describes an alert of the root's fault in another incident:
// its caller hops to the root, its onset before the root's, and that
// incident's root and contents.
func apartWhy(e *correlate.Engine, g *topology.Graph, s *alertscenario.Scenario, fpEp map[string]int, fp, id string, root alertscenario.Notification, tid int) string {
	ep := fpEp[fp]
	var svc string
	var on time.Time
	for _, n := range s.Notifications {
		if n.Episode == ep {
			svc, on = n.Service, n.StartsAt
			break
		}
	}
	hops, ok := g.Hops(svc, root.Service, 10)
	if !ok {
		hops = -1
	}
	snap, _ := e.Incident(id, root.At)
	other := 0
	for _, m := range snap.Members {
		if x, ok := fpEp[m]; ok && s.EpisodeTruth[x] != tid && s.Truths[s.EpisodeTruth[x]].Kind == "fault" {
			other++
		}
	}
	rh, ok := g.Hops(snap.RootService, root.Service, 10)
	if !ok {
		rh = -1
	}
	return fmt.Sprintf("apart %s hops=%d before=%ds inc-root=%s(hops %d) members=%d otherfault=%d firing=%d",
		svc, hops, int(root.StartsAt.Sub(on).Seconds()), snap.RootService, rh, len(snap.Members), other, len(snap.Firing))
}
