package eval

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// f1Classes are the classes of pairwise error TestF1CostDiag prices, each
// with the pairTally keys it holds.
var f1Classes = []struct {
	name  string
	match func(key string) bool
}{
	{"merged faults", func(k string) bool { return k == "false pair fault+fault" }},
	{"noise in a fault's page", func(k string) bool {
		return strings.HasPrefix(k, "false pair ") && strings.Contains(k, "fault") && k != "false pair fault+fault"
	}},
	{"noise with noise", func(k string) bool {
		return strings.HasPrefix(k, "false pair ") && !strings.Contains(k, "fault")
	}},
	{"split faults", func(k string) bool { return k == "missed pair fault" }},
	{"split noise", func(k string) bool {
		return strings.HasPrefix(k, "missed pair ") && k != "missed pair fault"
	}},
}

// TestF1CostDiag (EVAL_F1COST_DIAG=<part of a family name>|tuning;
// EVAL_CONVENTION, EVAL_PACE, EVAL_SEED, EVAL_TRACES as for the others;
// tuning families only) prices each class of pairwise error in F1
// (ninety-sixth pass): per family, TestQuickScore's line and tally
// (fragments / merged / noise in a fault's page / flapping firings
// grouped), then per class
// (merged faults, noise in a fault's page, noise with noise, split faults,
// split noise) its pairs and what F1 would read were they right (false
// pairs apart, missed pairs together), and the faults whose page names
// another root (wrong root: AC@1, not F1), of them how many in a page
// holding another fault. Then the mean over the families of each class's
// F1 gain: what the class costs the tuning mean.
func TestF1CostDiag(t *testing.T) {
	fams := diagFamilies(t, "EVAL_F1COST_DIAG")
	gain := map[string]float64{}
	var meanF1 float64
	for _, f := range fams {
		s, out := diagRun(t, f)
		sc := alertscenario.Evaluate(s, out)
		meanF1 += sc.F1 / float64(len(fams))
		fc := countFailures(s, out)
		fmt.Printf("== %-45s %.3f/%.2f/%.2f/%d (%d/%d/%d/%d)\n", f.Spec.Name, sc.F1, sc.AC1, sc.PagesPerIncident, sc.Missed, fc.fragments, fc.merged, fc.noiseJoined, fc.flappingGrouped)
		tp, tally := pairTally(s, out)
		fp, fn := 0, 0
		for k, v := range tally {
			if strings.HasPrefix(k, "false") {
				fp += v
			} else {
				fn += v
			}
		}
		for _, c := range f1Classes {
			cfp, cfn := 0, 0
			for k, v := range tally {
				if c.match(k) && strings.HasPrefix(k, "false") {
					cfp += v
				} else if c.match(k) {
					cfn += v
				}
			}
			g := pairF1(tp+cfn, fp-cfp, fn-cfn) - pairF1(tp, fp, fn)
			gain[c.name] += g / float64(len(fams))
			fmt.Printf("   %-24s pairs %5d  F1 +%.3f\n", c.name, cfp+cfn, g)
		}
		for k, v := range splitByRoot(s, out, engineConfig().OnsetWindow) {
			fmt.Printf("   split faults, %-40s pairs %5d\n", k, v)
		}
		wrong, merged := wrongRoots(s, out)
		fmt.Printf("   wrong root: %d faults (%d in a page holding another fault)\n", wrong, merged)
	}
	fmt.Printf("mean F1 %.4f; class costs (mean F1 gain were the class right):\n", meanF1)
	for _, c := range f1Classes {
		fmt.Printf("   %-24s +%.4f\n", c.name, gain[c.name])
	}
}

// pairF1 is alertscenario's pairwise F1 from its three counts.
func pairF1(tp, fp, fn int) float64 {
	if tp == 0 {
		return 0
	}
	p, r := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
	return 2 * p * r / (p + r)
}

// wrongRoots counts the faults whose main page does not name their root
// first (AC@1's misses), and of them those whose main page holds another
// fault's alert.
func wrongRoots(s *alertscenario.Scenario, out alertscenario.Outcome) (wrong, merged int) {
	for _, tr := range s.Truths {
		main := out.MainGroup(s, tr.ID)
		if tr.Kind != "fault" || main == "" {
			continue
		}
		if r := out.Ranking[main]; len(r) > 0 && r[0] == tr.Root {
			continue
		}
		wrong++
		if slices.ContainsFunc(s.Truths, func(o alertscenario.Truth) bool {
			return o.ID != tr.ID && o.Kind == "fault" && holds(s, out, main, o.ID)
		}) {
			merged++
		}
	}
	return wrong, merged
}

// holds reports whether page holds an episode of truth id.
func holds(s *alertscenario.Scenario, out alertscenario.Outcome, page string, id int) bool {
	for ep, g := range out.Assign {
		if g == page && s.EpisodeTruth[ep] == id {
			return true
		}
	}
	return false
}

// splitByRoot sorts the missed pairs of split faults by when the fault's
// root alerted against its first alert: never, within the onset window,
// or later.
func splitByRoot(s *alertscenario.Scenario, out alertscenario.Outcome, window time.Duration) map[string]int {
	first := firstNotifications(s)
	byTruth := map[int][]int{}
	for ep, tid := range s.EpisodeTruth {
		byTruth[tid] = append(byTruth[tid], ep)
	}
	group := func(ep int) string {
		if g, ok := out.Assign[ep]; ok {
			return g
		}
		return fmt.Sprintf("unpaged-%d", ep)
	}
	res := map[string]int{}
	for _, tr := range s.Truths {
		eps := byTruth[tr.ID]
		if tr.Kind != "fault" || len(eps) < 2 {
			continue
		}
		var start, root time.Time
		for _, ep := range eps {
			n := first[ep]
			if start.IsZero() || n.StartsAt.Before(start) {
				start = n.StartsAt
			}
			if n.Service == tr.Root && (root.IsZero() || n.StartsAt.Before(root)) {
				root = n.StartsAt
			}
		}
		class := "root never alerted"
		switch {
		case root.IsZero():
		case root.Sub(start) > window:
			class = "root alerted past the onset window"
		case root.Equal(start):
			class = "root alerted first"
		default:
			class = "root alerted within the onset window"
		}
		n := 0
		for i := range eps {
			for j := i + 1; j < len(eps); j++ {
				if group(eps[i]) != group(eps[j]) {
					n++
				}
			}
		}
		res[class] += n
		if n > 0 && os.Getenv("EVAL_F1COST_ROWS") != "" {
			var parts []string
			for _, ep := range eps {
				parts = append(parts, fmt.Sprintf("%s@%s->%.4s", first[ep].Service, first[ep].StartsAt.Sub(start).Round(time.Second), group(ep)))
			}
			fmt.Printf("   split fault %d root=%s (%s) %d pairs: %s\n", tr.ID, tr.Root, class, n, strings.Join(parts, " "))
		}
	}
	return res
}
