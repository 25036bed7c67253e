package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestLateIncDiag (EVAL_LATEINC_DIAG=<part of a family name>; tuning
// families only; meant with EVAL_PACE=rules) looks at the late roots of
// TestLateRootDiag whose fault's earlier alerts sit in an incident holding
// another fault's alerts (EVALUATION.md, fifty-second pass). For each
// such alert apart it prints and tallies: its caller hops to the late
// root; what the incident's root is to it (itself, a deeper dependency it
// calls, a caller of it, unrelated) and to the late root (below it, above
// it, unrelated); whether the late root lies on the alert's shortest path
// to that root; whether that root is the other fault's true root; its
// onset against the incident's first; with EVAL_TRACES=1 what the spans
// say of its calls toward the late root and toward the incident's root
// (correlate.Engine.PathReading); and the late root's placement.
func TestLateIncDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_LATEINC_DIAG") {
		fpEp := map[string]int{}
		s := alertscenario.GenerateFamily(f.Spec)
		seen := map[int]bool{}
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		tally := map[string]int{}
		var lines []string
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
			own := e.IncidentOf(fp)
			place := e.Placement(fp, n.At)
			for ofp, ep := range fpEp {
				if ep == n.Episode || s.EpisodeTruth[ep] != tid {
					continue
				}
				id := e.IncidentOf(ofp)
				if id == own {
					continue
				}
				l, keys := lateIncWhy(e, g, s, fpEp, ofp, id, n, tid)
				if l == "" {
					continue
				}
				lines = append(lines, l+" | root placed: "+place)
				for _, k := range keys {
					tally[k]++
				}
			}
		})
		fmt.Println("==", f.Spec.Name)
		for _, l := range lines {
			fmt.Println(l)
		}
		printTally(tally)
	}
}

// lateIncWhy describes an alert apart of a late root's fault sitting in an
// incident that holds another fault's alerts ("" otherwise), with the
// tally keys it counts under.
func lateIncWhy(e *correlate.Engine, g *topology.Graph, s *alertscenario.Scenario, fpEp map[string]int, fp, id string, root alertscenario.Notification, tid int) (string, []string) {
	var svc string
	var on time.Time
	for _, n := range s.Notifications {
		if n.Episode == fpEp[fp] {
			svc, on = n.Service, n.StartsAt
			break
		}
	}
	snap, _ := e.Incident(id, root.At)
	otherRoots := map[string]bool{}
	for _, m := range snap.Members {
		if x, ok := fpEp[m]; ok && s.EpisodeTruth[x] != tid && s.Truths[s.EpisodeTruth[x]].Kind == "fault" {
			otherRoots[s.Truths[s.EpisodeTruth[x]].Root] = true
		}
	}
	if len(otherRoots) == 0 {
		return "", nil
	}
	ir := snap.RootService
	hops := hopsOr(g, svc, root.Service)
	toIR := "unrelated"
	switch {
	case ir == svc:
		toIR = "itself"
	case ir == root.Service:
		toIR = "the late root"
	case hopsOr(g, svc, ir) > 0:
		toIR = "deeper"
		if d1, d2 := hopsOr(g, svc, root.Service), hopsOr(g, root.Service, ir); d1 > 0 && d2 > 0 && d1+d2 == hopsOr(g, svc, ir) {
			toIR = "deeper through the late root"
		}
	case hopsOr(g, ir, svc) > 0:
		toIR = "a caller"
	}
	lateToIR := "unrelated"
	switch {
	case ir == root.Service:
		lateToIR = "same"
	case hopsOr(g, root.Service, ir) > 0:
		lateToIR = "below the late root"
	case hopsOr(g, ir, root.Service) > 0:
		lateToIR = "above the late root"
	}
	isOther := "inc root not another fault's root"
	switch {
	case otherRoots[ir]:
		isOther = "inc root is the other fault's root"
	case ir == root.Service:
		isOther = "inc root is the late root"
	}
	onset := "joined after the incident's first onset"
	if !on.After(snap.FirstSeen) {
		onset = "opened or first"
	}
	d := fmt.Sprintf("hops=%d", min(hops, 3))
	if hops < 0 {
		d = "hops=none"
	}
	l := fmt.Sprintf("root %s apart %s %s before=%ds inc-root=%s (%s; %s; %s) %s members=%d firing=%d spans: to-late[%s] to-incroot[%s]",
		root.Service, svc, d, int(root.StartsAt.Sub(on).Seconds()), ir, toIR, lateToIR, isOther, onset, len(snap.Members), len(snap.Firing),
		e.PathReading(svc, root.Service), e.PathReading(svc, ir))
	return l, []string{"all", d, "to-alert: " + toIR, "to-late: " + lateToIR, isOther, onset, d + " " + toIR + " / " + lateToIR}
}

// hopsOr is g.Hops within 10, -1 when unreachable.
func hopsOr(g *topology.Graph, from, to string) int {
	h, ok := g.Hops(from, to, 10)
	if !ok {
		return -1
	}
	return h
}
