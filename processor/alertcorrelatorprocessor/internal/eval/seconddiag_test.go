package eval

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestSecondDiag accounts for a fault's later alerts on a service that
// already alerted for it (EVAL_SECOND_DIAG=<part of a family name>, with
// EVAL_SECOND_ALERTS=p; tuning families only): per such alert, whether it
// was paged with its service's first alert of the fault, the rule that
// placed it (Engine.Placement), and whether the first had resolved by
// its onset. Then a tally of the apart ones by placement.
func TestSecondDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_SECOND_DIAG") {
		placed := map[int]string{}
		s, out := diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if _, ok := placed[n.Episode]; !ok && n.State == "firing" {
				placed[n.Episode] = e.Placement(fp, n.At)
			}
		})
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		for _, l := range laterAlerts(s, out, placed, tally) {
			fmt.Println(l)
		}
		groups := map[string]bool{}
		for _, g := range out.Assign {
			groups[g] = true
		}
		truths := map[int]bool{}
		for _, tid := range s.EpisodeTruth {
			truths[tid] = true
		}
		// Pages beyond the groups left at the end were merged away (or
		// emptied) after they paged.
		fmt.Printf("pages=%d final-groups=%d true-incidents=%d\n", out.Pages, len(groups), len(truths))
		printTally(tally)
	}
}

// laterAlerts lists, for each (fault, service) with two episodes or
// more, the later ones against the first, and tallies them.
func laterAlerts(s *alertscenario.Scenario, out alertscenario.Outcome, placed map[int]string, tally map[string]int) []string {
	first := firstNotifications(s)
	resolved := map[int]time.Time{}
	for _, n := range s.Notifications {
		if n.State != "firing" {
			if _, ok := resolved[n.Episode]; !ok {
				resolved[n.Episode] = n.At
			}
		}
	}
	type key struct {
		tid int
		svc string
	}
	byKey := map[key][]int{}
	for ep, tid := range s.EpisodeTruth {
		if tr := s.Truths[tid]; tr.Kind == "fault" {
			k := key{tid, first[ep].Service}
			byKey[k] = append(byKey[k], ep)
		}
	}
	var lines []string
	for k, eps := range byKey {
		if len(eps) < 2 {
			continue
		}
		slices.SortFunc(eps, func(a, b int) int { return first[a].StartsAt.Compare(first[b].StartsAt) })
		p0 := out.Assign[eps[0]]
		for _, ep := range eps[1:] {
			n := first[ep]
			apart := out.Assign[ep] != p0
			gone := "first firing"
			if r, ok := resolved[eps[0]]; ok && !r.After(n.StartsAt) {
				gone = "first resolved"
			}
			role := "symptom"
			if k.svc == s.Truths[k.tid].Root {
				role = "root"
			}
			tally[fmt.Sprintf("apart=%v %s %s | %s", apart, role, gone, placeKind(placed[ep]))]++
			if apart {
				lines = append(lines, fmt.Sprintf("fault %d %s %s@%s (first %s) %s | %s", k.tid, role, k.svc,
					n.StartsAt.Sub(s.Truths[k.tid].Onset).Round(time.Second), first[eps[0]].StartsAt.Sub(s.Truths[k.tid].Onset).Round(time.Second), gone, placed[ep]))
			}
		}
	}
	slices.Sort(lines)
	return lines
}
