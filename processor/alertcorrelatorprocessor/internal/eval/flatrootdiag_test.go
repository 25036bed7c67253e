package eval

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

// TestFlatRootDiag reads, for every fault's main page, the direct callers
// of the service the page names first and of the fault's root
// (EVAL_FLATROOT_DIAG=<part of a family name>|tuning; tuning families
// only; EVAL_CONVENTION, EVAL_TRACES, EVAL_SEED apply): how many direct
// callers each has in the learned graph, how many of those alert in the
// page, and whether the page's alerting callers of the named service
// within three hops all reach it through one alerting direct caller (a
// chain: nothing but that caller's side shows it). Tallied separately for
// pages naming their root (what a rule demoting such a chain would cost)
// and pages naming a direct dependency of the root instead (what it would
// gain), so a rule reading these counts is chosen on both sides
// (eighty-fifth pass).
func TestFlatRootDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_FLATROOT_DIAG") {
		s, out := diagRun(t, f)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		tally := map[string]int{}
		for _, tr := range s.Truths {
			if tr.Kind != "fault" || firstEp(s, tr.ID) < 0 {
				continue
			}
			page := out.MainGroup(s, tr.ID)
			r := out.Ranking[page]
			if page == "" || len(r) == 0 || !slices.Contains(r, tr.Root) {
				continue
			}
			top := r[0]
			on := pageOnsets(s, out, page)
			switch {
			case top == tr.Root:
				tally["named right: root "+chainReading(g, r, on, top)]++
			case isDirectCaller(g, top, tr.Root):
				k := "named a direct dependency (" + truthKindOf(s, out, page, top, tr) + "): top " + chainReading(g, r, on, top) + "; root " + chainReading(g, r, on, tr.Root)
				tally[k]++
				if envOn("EVAL_FLATROOT_LINES") {
					fmt.Printf("fault %d root=%s top=%s %s rank=%v\n", tr.ID, tr.Root, top, k, r[:min(5, len(r))])
				}
			}
		}
		sc := alertscenario.Evaluate(s, out)
		fmt.Printf("== %s F1 %.3f AC@1 %.2f\n", f.Spec.Name, sc.F1, sc.AC1)
		printTally(tally)
	}
}

// isDirectCaller reports whether caller calls svc directly in g.
func isDirectCaller(g *topology.Graph, svc, caller string) bool {
	for _, c := range g.CallerList(svc, 1) {
		if c.Service == caller {
			return true
		}
	}
	return false
}

// chainReading says how svc's callers show it among the page's services:
// "alerting/direct callers", and "chain" when every alerting caller
// within three hops reaches it through its one alerting direct caller.
func chainReading(g *topology.Graph, page []string, on map[string]time.Time, svc string) string {
	direct, alerting := 0, []string{}
	for _, c := range g.CallerList(svc, 1) {
		direct++
		if slices.Contains(page, c.Service) {
			alerting = append(alerting, c.Service)
		}
	}
	s := fmt.Sprintf("%d/%d", len(alerting), direct)
	if len(alerting) != 1 {
		return s
	}
	via := alerting[0]
	for _, c := range g.CallerList(svc, 3) {
		if c.Service == via || !slices.Contains(page, c.Service) {
			continue
		}
		if _, ok := g.Hops(c.Service, via, 3); !ok {
			return s
		}
	}
	va, vn := 0, 0
	for _, c := range g.CallerList(via, 1) {
		vn++
		if slices.Contains(page, c.Service) {
			va++
		}
	}
	s += fmt.Sprintf(" chain via %d/%d", va, vn)
	switch d := on[svc].Sub(on[via]); {
	case d < 0:
		s += fmt.Sprintf(", before its caller (%s)", bucketDur(-d))
	case d > 0:
		s += fmt.Sprintf(", after its caller (%s)", bucketDur(d))
	default:
		s += ", with its caller"
	}
	return s
}

// pageOnsets is each service's first onset among page's alerts.
func pageOnsets(s *alertscenario.Scenario, out alertscenario.Outcome, page string) map[string]time.Time {
	on := map[string]time.Time{}
	for _, n := range s.Notifications {
		if out.Assign[n.Episode] != page {
			continue
		}
		if t, ok := on[n.Service]; !ok || n.StartsAt.Before(t) {
			on[n.Service] = n.StartsAt
		}
	}
	return on
}
