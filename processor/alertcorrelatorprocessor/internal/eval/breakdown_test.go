package eval

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestBreakdown attributes a family's pairwise errors to their kind
// (EVAL_BREAKDOWN=<part of a family name>, EVAL_TRACES=1 for the traced
// run; tuning families only): false pairs by the two truths' kinds (fault
// with fault: two faults merged; fault with unrelated/flapping/maintenance:
// noise joined a fault's page), missed pairs by fault fragments, and per
// fault with errors a one-line account.
func TestBreakdown(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_BREAKDOWN") {
		if os.Getenv("EVAL_OPAQUE") != "" {
			// The tuning family without its hints: one severity, opaque
			// rule names (what the held-out families have).
			spec := *f.Spec
			spec.Convention.UniformSeverity, spec.Convention.OpaqueRules = true, true
			f.Spec = &spec
		}
		s, out := diagRun(t, f)
		fmt.Println("==", f.Spec.Name, alertscenario.Evaluate(s, out).F1)
		for _, l := range breakdown(s, out) {
			fmt.Println(l)
		}
	}
}

// breakdown returns the error tallies and per-fault lines of one run.
func breakdown(s *alertscenario.Scenario, out alertscenario.Outcome) []string {
	group := func(ep int) string {
		if g, ok := out.Assign[ep]; ok {
			return g
		}
		return fmt.Sprintf("unpaged-%d", ep)
	}
	kind := func(ep int) string { return s.Truths[s.EpisodeTruth[ep]].Kind }
	first := map[int]alertscenario.Notification{}
	for _, n := range s.Notifications {
		if _, ok := first[n.Episode]; !ok {
			first[n.Episode] = n
		}
	}
	tally := map[string]int{}
	n := len(s.EpisodeTruth)
	for i := range n {
		for j := i + 1; j < n; j++ {
			sameTrue := s.EpisodeTruth[i] == s.EpisodeTruth[j]
			samePred := group(i) == group(j)
			switch {
			case samePred && !sameTrue:
				k := []string{kind(i), kind(j)}
				slices.Sort(k)
				tally["false pair "+strings.Join(k, "+")]++
			case sameTrue && !samePred:
				tally["missed pair "+kind(i)]++
			}
		}
	}
	var lines []string
	for k, v := range tally {
		lines = append(lines, fmt.Sprintf("%6d %s", v, k))
	}
	slices.Sort(lines)
	for _, tr := range s.Truths {
		if tr.Kind != "fault" {
			continue
		}
		var parts []string
		groups := map[string]bool{}
		for ep, tid := range s.EpisodeTruth {
			if tid != tr.ID {
				continue
			}
			gr := group(ep)
			groups[gr] = true
			var others []string
			for ep2, tid2 := range s.EpisodeTruth {
				if tid2 != tr.ID && group(ep2) == gr {
					others = append(others, fmt.Sprintf("%s:%s", kind(ep2)[:1], first[ep2].Service))
				}
			}
			fn := first[ep]
			parts = append(parts, fmt.Sprintf("%s@%s->%.4s%v", fn.Service, fn.StartsAt.Sub(tr.Onset).Round(1e9), gr, others))
		}
		if len(groups) > 1 || strings.Contains(strings.Join(parts, ""), ":") {
			lines = append(lines, fmt.Sprintf("fault %d root=%s %s rank=%v", tr.ID, tr.Root, strings.Join(parts, " "), out.Ranking[group(firstEp(s, tr.ID))]))
		}
	}
	return lines
}

func firstEp(s *alertscenario.Scenario, truth int) int {
	for ep, tid := range s.EpisodeTruth {
		if tid == truth {
			return ep
		}
	}
	return -1
}
