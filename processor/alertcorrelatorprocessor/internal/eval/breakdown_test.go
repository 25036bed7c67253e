package eval

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
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
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		for _, l := range falseJoins(s, out, g, engineConfig().MaxHops) {
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
	first := firstNotifications(s)
	_, tally := pairTally(s, out)
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

// pairTally counts a run's pairs of episodes: the true pairs paged
// together (tp), and per kind the false pairs ("false pair " and the two
// truths' kinds, sorted: fault+fault is two faults merged) and the missed
// pairs ("missed pair " and the truth's kind: a fragment). An episode
// never paged is its own group, as alertscenario's pairwise score has it.
func pairTally(s *alertscenario.Scenario, out alertscenario.Outcome) (tp int, tally map[string]int) {
	group := func(ep int) string {
		if g, ok := out.Assign[ep]; ok {
			return g
		}
		return fmt.Sprintf("unpaged-%d", ep)
	}
	kind := func(ep int) string { return s.Truths[s.EpisodeTruth[ep]].Kind }
	tally = map[string]int{}
	n := len(s.EpisodeTruth)
	for i := range n {
		for j := i + 1; j < n; j++ {
			sameTrue := s.EpisodeTruth[i] == s.EpisodeTruth[j]
			samePred := group(i) == group(j)
			switch {
			case samePred && sameTrue:
				tp++
			case samePred:
				k := []string{kind(i), kind(j)}
				slices.Sort(k)
				tally["false pair "+strings.Join(k, "+")]++
			case sameTrue:
				tally["missed pair "+kind(i)]++
			}
		}
	}
	return tp, tally
}

func firstEp(s *alertscenario.Scenario, truth int) int {
	for ep, tid := range s.EpisodeTruth {
		if tid == truth {
			return ep
		}
	}
	return -1
}

// falseJoins counts, by the graph relation that can have joined them,
// the noise alerts (unrelated, maintenance) paged with a fault's alerts
// and the pages holding two faults. The relation is read from the graph,
// not from the engine, nearest first: the noise alert's service is a
// fault alert's (same service), calls one k hops away (symptom k), is
// called by the fault's root (take-over), shares a dependency with the
// root (unite), or none of these (gathering by the traces, or a merge).
// Each noise alert is also marked lone when no caller of its service
// alerts in its page, and by its onset against the fault's.
func falseJoins(s *alertscenario.Scenario, out alertscenario.Outcome, g *topology.Graph, maxHops int) []string {
	first := firstNotifications(s)
	pageEps := map[string][]int{}
	for ep, p := range out.Assign {
		pageEps[p] = append(pageEps[p], ep)
	}
	tally := map[string]int{}
	for page, eps := range pageEps {
		faults := map[int]bool{}
		for _, ep := range eps {
			if tr := s.Truths[s.EpisodeTruth[ep]]; tr.Kind == "fault" {
				faults[tr.ID] = true
			}
		}
		if len(faults) == 0 {
			continue
		}
		owner := majority(s, eps)
		for _, ep := range eps {
			tr := s.Truths[s.EpisodeTruth[ep]]
			switch {
			case tr.Kind == "unrelated" || tr.Kind == "maintenance":
				how, lone, onset := noiseRelation(s, g, maxHops, first, eps, ep)
				tally[fmt.Sprintf("noise %s joined by %s lone=%v onset %s", tr.Kind, how, lone, onset)]++
			case tr.Kind == "fault" && tr.ID != owner && s.Truths[owner].Kind == "fault":
				how, _, onset := noiseRelation(s, g, maxHops, first, eps, ep)
				_, own := g.Hops(first[ep].Service, tr.Root, maxHops)
				tally[fmt.Sprintf("fault alert in another fault's page by %s, reaches its own root=%v, onset %s", how, own, onset)]++
			}
		}
		var roots []string
		for tid := range faults {
			roots = append(roots, s.Truths[tid].Root)
		}
		slices.Sort(roots)
		for i := range roots {
			for j := i + 1; j < len(roots); j++ {
				tally["faults merged by "+faultRelation(g, maxHops, roots[i], roots[j])]++
			}
		}
		if len(roots) > 1 && os.Getenv("EVAL_BREAKDOWN_PAGES") != "" {
			tally[mergedPage(s, first, eps, roots, out.Ranking[page])] = 1
		}
	}
	var lines []string
	for k, v := range tally {
		lines = append(lines, fmt.Sprintf("%6d %s", v, k))
	}
	slices.Sort(lines)
	return lines
}

// noiseRelation classifies how noise episode ep relates to the fault
// alerts in its page (eps): see falseJoins.
func noiseRelation(s *alertscenario.Scenario, g *topology.Graph, maxHops int, first map[int]alertscenario.Notification, eps []int, ep int) (how string, lone bool, onset string) {
	n := first[ep].Service
	best, root := maxHops+1, ""
	var faultOnset time.Time
	lone = true
	for _, o := range eps {
		tr := s.Truths[s.EpisodeTruth[o]]
		svc := first[o].Service
		if tr.ID == s.EpisodeTruth[ep] {
			continue
		}
		if h, ok := g.Hops(svc, n, 1); ok && h == 1 {
			lone = false
		}
		if tr.Kind != "fault" {
			continue
		}
		root, faultOnset = tr.Root, tr.Onset
		if svc == n {
			best = 0
		} else if h, ok := g.Hops(n, svc, maxHops); ok && h < best {
			best = h
		}
	}
	d := first[ep].StartsAt.Sub(faultOnset)
	onset = "after"
	if d < 0 {
		onset = "before"
	}
	switch {
	case best == 0:
		return "same service", lone, onset
	case best <= maxHops:
		return fmt.Sprintf("symptom %d hops", best), lone, onset
	}
	if _, ok := g.Hops(root, n, maxHops); ok {
		return "take-over (dependency of the root)", lone, onset
	}
	if commonDep(g, maxHops, root, n) {
		return "unite (common dependency)", lone, onset
	}
	return "other (gathering or merge)", lone, onset
}

// faultRelation classifies how two fault roots in one page relate.
func faultRelation(g *topology.Graph, maxHops int, a, b string) string {
	if _, ok := g.Hops(a, b, maxHops); ok {
		return "chain (take-over or symptom)"
	}
	if _, ok := g.Hops(b, a, maxHops); ok {
		return "chain (take-over or symptom)"
	}
	if commonDep(g, maxHops, a, b) {
		return "unite (common dependency)"
	}
	for _, c := range g.CallerList(a, maxHops) {
		if _, ok := g.Hops(c.Service, b, maxHops); ok {
			return "shared caller"
		}
	}
	return "other (gathering or merge)"
}

// commonDep reports whether a and b reach a common dependency within
// maxHops.
func commonDep(g *topology.Graph, maxHops int, a, b string) bool {
	for _, d := range g.DependencyList(a, maxHops) {
		if _, ok := g.Hops(b, d.Service, maxHops); ok {
			return true
		}
	}
	return false
}

// mergedPage describes a page holding several faults: the roots, the
// ranking's first, and each alert by kind, service and onset.
func mergedPage(s *alertscenario.Scenario, first map[int]alertscenario.Notification, eps []int, roots, ranking []string) string {
	slices.SortFunc(eps, func(a, b int) int { return first[a].StartsAt.Compare(first[b].StartsAt) })
	t0 := first[eps[0]].StartsAt
	var parts []string
	for _, ep := range eps {
		tr := s.Truths[s.EpisodeTruth[ep]]
		parts = append(parts, fmt.Sprintf("%s%d:%s+%s", tr.Kind[:1], tr.ID, first[ep].Service, first[ep].StartsAt.Sub(t0).Round(time.Second)))
	}
	top := ""
	if len(ranking) > 0 {
		top = ranking[0]
	}
	return fmt.Sprintf("page roots=%v top=%s %s", roots, top, strings.Join(parts, " "))
}

// majority is the truth holding most of eps (the lowest ID on a tie).
func majority(s *alertscenario.Scenario, eps []int) int {
	n := map[int]int{}
	best := -1
	for _, ep := range eps {
		tid := s.EpisodeTruth[ep]
		n[tid]++
		if best < 0 || n[tid] > n[best] || n[tid] == n[best] && tid < best {
			best = tid
		}
	}
	return best
}
