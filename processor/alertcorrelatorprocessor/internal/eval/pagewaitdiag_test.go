package eval

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestPageWaitDiag explains a family's median time to page
// (EVAL_PAGEWAIT_DIAG=<part of a family name>|tuning; tuning families
// only; EVAL_PACE, EVAL_CONVENTION, EVAL_SEED, EVAL_TRACES apply): for
// every fault, the wait from its first alert to the page of its main
// group (alertscenario.rootAccuracy's), sorted into: the main group paged
// before the fault's first alert (a page already out: another fault's,
// noise's or maintenance's, by the group's majority truth), at it, after
// it, or never paged. A median of 0s means half the faults landed in
// pages that were out before they began (EVALUATION.md, eighty-seventh
// pass).
func TestPageWaitDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_PAGEWAIT_DIAG") {
		s, out := diagRun(t, f)
		first := map[int]time.Time{}
		for _, n := range s.Notifications {
			tr := s.EpisodeTruth[n.Episode]
			if at, ok := first[tr]; !ok || n.At.Before(at) {
				first[tr] = n.At
			}
		}
		majority := groupMajority(s, out)
		tally := map[string]int{}
		var waits []time.Duration
		for _, tr := range s.Truths {
			if tr.Kind != "fault" {
				continue
			}
			if _, ok := first[tr.ID]; !ok {
				continue
			}
			g := out.MainGroup(s, tr.ID)
			at, ok := out.PagedAt[g]
			switch {
			case g == "" || !ok:
				tally["never paged"]++
				continue
			case at.Before(first[tr.ID]):
				who := s.Truths[majority[g]]
				kind := who.Kind
				if who.ID == tr.ID {
					kind = "its own"
				}
				tally["paged before its first alert, group of "+kind]++
			case at.Equal(first[tr.ID]):
				tally["paged at its first alert"]++
			default:
				tally["paged after its first alert"]++
			}
			waits = append(waits, at.Sub(first[tr.ID]))
		}
		slices.Sort(waits)
		med := time.Duration(0)
		if len(waits) > 0 {
			med = waits[len(waits)/2]
		}
		fmt.Printf("== %s median wait %s over %d faults\n", f.Spec.Name, med.Round(time.Second), len(waits))
		printTally(tally)
	}
}

// groupMajority is each paged group's majority truth (the smallest ID
// among equals).
func groupMajority(s *alertscenario.Scenario, out alertscenario.Outcome) map[string]int {
	count := map[string]map[int]int{}
	for ep, g := range out.Assign {
		if count[g] == nil {
			count[g] = map[int]int{}
		}
		count[g][s.EpisodeTruth[ep]]++
	}
	maj := map[string]int{}
	for g, c := range count {
		best, bestN := -1, 0
		for tr, n := range c {
			if n > bestN || (n == bestN && tr < best) {
				best, bestN = tr, n
			}
		}
		maj[g] = best
	}
	return maj
}
