package eval

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

// TestRootDiag prints, per fault whose page ranks another service first
// (alerts only unless EVAL_TRACES is set; EVAL_ROOT_DIAG=<part of a
// family name>; tuning families only), what was ranked first, what it is
// to the fault, and which ranking key put it there; then the tally.
func TestRootDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_ROOT_DIAG") {
		s, out := diagRun(t, f)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		tally := map[string]int{}
		for _, tr := range s.Truths {
			if tr.Kind != "fault" {
				continue
			}
			cause, line := rootCause(s, out, g, tr)
			tally[cause]++
			if line != "" {
				fmt.Println(line)
			}
		}
		fmt.Println("==", f.Spec.Name)
		printTally(tally)
	}
}

// rootCause classifies one fault's root ranking.
func rootCause(s *alertscenario.Scenario, out alertscenario.Outcome, g *topology.Graph, tr alertscenario.Truth) (string, string) {
	best := out.MainGroup(s, tr.ID)
	if best == "" {
		return "unpaged", ""
	}
	r := out.Ranking[best]
	if len(r) > 0 && r[0] == tr.Root {
		return "ok", ""
	}
	top := r[0]
	// What the top service is in this page: the truths of its episodes.
	var kinds []string
	onset := map[string]string{}
	for _, n := range s.Notifications {
		if out.Assign[n.Episode] != best {
			continue
		}
		if _, ok := onset[n.Service]; !ok {
			onset[n.Service] = n.StartsAt.Sub(tr.Onset).Round(1e9).String()
		}
		if n.Service == top {
			o := s.Truths[s.EpisodeTruth[n.Episode]]
			k := o.Kind
			switch {
			case o.ID == tr.ID:
				k = "own-symptom"
			case o.Kind == "fault" && o.Root == top:
				k = "other-root"
			case o.Kind == "fault":
				k = "other-symptom"
			}
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	rel := "unrelated"
	if h, ok := g.Hops(tr.Root, top, 3); ok {
		rel = fmt.Sprintf("dep%d", h)
	} else if h, ok := g.Hops(top, tr.Root, 3); ok {
		rel = fmt.Sprintf("caller%d", h)
	}
	pos := slices.Index(r, tr.Root)
	key := "root-absent"
	if pos >= 0 {
		key = decidingKey(g, r, top, tr.Root, onset)
	}
	cause := fmt.Sprintf("%s %s %s", strings.Join(kinds, "+"), rel, key)
	line := fmt.Sprintf("fault %d root=%s top=%s [%s] pos=%d n=%d callers1(top)=%d callers1(root)=%d onsets top=%s root=%s rank=%v",
		tr.ID, tr.Root, top, cause, pos, len(r), len(g.CallerList(top, 1)), len(g.CallerList(tr.Root, 1)), onset[top], onset[tr.Root], r[:min(6, len(r))])
	return cause, line
}

// decidingKey names the rank key that put top before root (as rank.go
// counts: alerting callers, alerting dependencies within 3 hops).
func decidingKey(g *topology.Graph, r []string, top, root string, onset map[string]string) string {
	counts := func(svc string) (callers, deps int) {
		for _, d := range g.DependencyList(svc, 3) {
			if slices.Contains(r, d.Service) && d.Service != svc {
				deps++
			}
		}
		for _, c := range g.CallerList(svc, 3) {
			if slices.Contains(r, c.Service) && c.Service != svc {
				callers++
			}
		}
		return callers, deps
	}
	ct, dt := counts(top)
	cr, dr := counts(root)
	switch {
	case ct != cr:
		return fmt.Sprintf("callers(%d>%d)", ct, cr)
	case dt != dr:
		return fmt.Sprintf("deps(%d<%d)", dt, dr)
	}
	return "onset/sev"
}

// TestMissedDiag tallies the true incidents that are the majority of no
// page (EVAL_MISSED_DIAG=<part of a family name>; alerts only unless
// EVAL_TRACES is set; tuning families only), by kind and by where their
// alerts went: never paged, or a minority in a page whose majority is
// another truth of which kind.
func TestMissedDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_MISSED_DIAG") {
		s, out := diagRun(t, f)
		members := map[string]map[int]int{} // page -> truth -> episodes
		for ep, g := range out.Assign {
			if members[g] == nil {
				members[g] = map[int]int{}
			}
			members[g][s.EpisodeTruth[ep]]++
		}
		majority := map[string]int{}
		covered := map[int]bool{}
		for g, count := range members {
			best, bestN := -1, 0
			for tid, c := range count {
				if c > bestN || (c == bestN && tid < best) {
					best, bestN = tid, c
				}
			}
			majority[g], covered[best] = best, true
		}
		tally := map[string]int{}
		for ep, tid := range s.EpisodeTruth {
			if covered[tid] || firstEp(s, tid) != ep {
				continue
			}
			where := "never paged"
			if g, ok := out.Assign[ep]; ok {
				where = "in a page of a " + s.Truths[majority[g]].Kind
			}
			tally[s.Truths[tid].Kind+", "+where]++
		}
		fmt.Println("==", f.Spec.Name)
		printTally(tally)
	}
}
