package eval

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

// TestRankDiag sorts every fault whose page names another service first
// (EVAL_RANK_DIAG=<part of a family name>; alerts only unless EVAL_TRACES
// is set; tuning families only; EVAL_SEED and EVAL_SECOND_ALERTS apply) into: unpaged; root
// absent (the root's alerts are not in the page: a grouping failure);
// else what the first-named service is to the root (a dependency below
// it, a caller above it, unrelated), which of rank.go's keys put it first
// as read from the page's alerts (the root's direct callers do not show
// it, more alerting callers, fewer alerting dependencies, onset), whether
// the root alerted after the named service, and whether either's first
// alert in the page is a second alert of its service (another rule).
// With EVAL_RANK_DIAG_LINES=1 one line per fault as well.
func TestRankDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_RANK_DIAG") {
		if f.Spec.HeldOut {
			continue // tuning families only
		}
		s, out := diagRun(t, f)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		tally := map[string]int{}
		for _, tr := range s.Truths {
			if tr.Kind != "fault" {
				continue
			}
			kind, line := rankKind(s, out, g, tr)
			tally[kind]++
			if line != "" && envOn("EVAL_RANK_DIAG_LINES") {
				fmt.Println(line)
			}
		}
		fmt.Println("==", f.Spec.Name)
		printTally(tally)
	}
}

// envOn reports whether the variable is set to anything.
func envOn(name string) bool { return os.Getenv(name) != "" }

// rankSvc is what the diagnostic reads of one service in a page.
type rankSvc struct {
	onset           time.Time
	second          bool // its first alert in the page is not its first of the truth
	callers, deps   int  // alerting in the page within 3 hops
	direct, showing int  // direct callers, those alerting near its onset anywhere
}

// rankKind classifies one fault's named root.
func rankKind(s *alertscenario.Scenario, out alertscenario.Outcome, g *topology.Graph, tr alertscenario.Truth) (string, string) {
	best := out.MainGroup(s, tr.ID)
	if best == "" {
		return "unpaged", ""
	}
	r := out.Ranking[best]
	if len(r) == 0 || r[0] == tr.Root {
		return "ok", ""
	}
	top := r[0]
	if !slices.Contains(r, tr.Root) {
		return "root absent (grouping)", fmt.Sprintf("fault %d root=%s top=%s absent", tr.ID, tr.Root, top)
	}
	info := rankInfo(s, out, g, best, r)
	a, b := info[top], info[tr.Root]
	rel := "unrelated"
	if h, ok := g.Hops(tr.Root, top, 3); ok {
		rel = fmt.Sprintf("top is dep%d of root", h)
	} else if h, ok := g.Hops(top, tr.Root, 3); ok {
		rel = fmt.Sprintf("top is caller%d of root", h)
	}
	key := "onset/sev"
	va, vb := !explainedByDiag(a.showing, a.direct), !explainedByDiag(b.showing, b.direct)
	switch {
	case va != vb:
		key = fmt.Sprintf("root vague (%d/%d callers show it)", b.showing, b.direct)
	case a.callers != b.callers:
		key = "more callers"
	case a.deps != b.deps:
		key = "fewer deps"
	}
	late := ""
	if b.onset.After(a.onset) {
		late = ", root later"
	}
	sec := ""
	if a.second || b.second {
		sec = ", second alert"
	}
	topKind := truthKindOf(s, out, best, top, tr)
	kind := fmt.Sprintf("%s, top %s, %s%s%s", rel, topKind, key, late, sec)
	line := fmt.Sprintf("fault %d root=%s top=%s [%s] callers %d/%d deps %d/%d direct(top) %d/%d direct(root) %d/%d onset(root-top)=%s rank=%v",
		tr.ID, tr.Root, top, kind, a.callers, b.callers, a.deps, b.deps, a.showing, a.direct, b.showing, b.direct,
		b.onset.Sub(a.onset), r[:min(6, len(r))])
	return kind, line
}

// explainedByDiag mirrors correlate's explainedBy.
func explainedByDiag(alerting, callers int) bool {
	return 3*alerting >= callers || callers-alerting <= 1
}

// rankInfo reads each of the page's services' onset and counts.
func rankInfo(s *alertscenario.Scenario, out alertscenario.Outcome, g *topology.Graph, page string, r []string) map[string]*rankSvc {
	info := map[string]*rankSvc{}
	firstRule := map[[2]string]string{} // truth/service -> first rule
	for _, n := range s.Notifications {
		k := [2]string{fmt.Sprint(s.EpisodeTruth[n.Episode]), n.Service}
		if _, ok := firstRule[k]; !ok {
			firstRule[k] = n.Rule
		}
		if out.Assign[n.Episode] != page {
			continue
		}
		if _, ok := info[n.Service]; !ok {
			info[n.Service] = &rankSvc{onset: n.StartsAt, second: firstRule[k] != n.Rule}
		}
	}
	for _, svc := range r {
		if info[svc] == nil { // its alerts ended in another page
			info[svc] = &rankSvc{}
		}
	}
	for _, svc := range r {
		c := info[svc]
		for _, d := range g.DependencyList(svc, 3) {
			if o, ok := info[d.Service]; ok && d.Service != svc {
				c.deps++
				o.callers++
			}
		}
		for _, cl := range g.CallerList(svc, 1) {
			c.direct++
			if alertsNearDiag(s, cl.Service, c.onset) {
				c.showing++
			}
		}
	}
	return info
}

// alertsNearDiag: svc has an alert with an onset within 2 minutes of at.
func alertsNearDiag(s *alertscenario.Scenario, svc string, at time.Time) bool {
	for _, n := range s.Notifications {
		if n.Service == svc && n.StartsAt.Sub(at).Abs() <= 2*time.Minute {
			return true
		}
	}
	return false
}

// truthKindOf names what the service's alerts in the page are to the fault.
func truthKindOf(s *alertscenario.Scenario, out alertscenario.Outcome, page, svc string, tr alertscenario.Truth) string {
	for _, n := range s.Notifications {
		if out.Assign[n.Episode] != page || n.Service != svc {
			continue
		}
		o := s.Truths[s.EpisodeTruth[n.Episode]]
		switch {
		case o.ID == tr.ID:
			return "own symptom"
		case o.Kind == "fault" && o.Root == svc:
			return "another fault's root"
		case o.Kind == "fault":
			return "another fault's symptom"
		}
		return o.Kind
	}
	return "?"
}
