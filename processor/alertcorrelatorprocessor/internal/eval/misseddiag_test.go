package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestMissedWayDiag (EVAL_MISSEDWAY_DIAG=<part of a family name>,
// EVAL_TRACES=1 for the traced run; tuning families only) follows every
// true incident that is the majority of no page (TestMissedDiag's count)
// into the page that holds its alert: for a fault its root's first
// alert, for noise its one alert. One line each: the page's majority
// truth (kind, root), the step that put the alert there (TestConcurDiag's
// events: joined at its first firing with the engine's JoinDetail,
// opened the incident, moved at an ingest or an Advance), the graph
// between the alert's service and the page's root (directed hops either
// way within max_hops, else "apart"), the onset gap to the page's truth,
// whether the alert's service already alerted in the page for the page's
// truth, and what the spans said at the entry of the page's root and of a
// fault's own root (an origin, a cause of its own, the link from the
// alert's service; empty for a root begun more than five minutes before). Then a
// tally by kind and step (fifty-eighth pass).
func TestMissedWayDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_MISSEDWAY_DIAG") {
		tk := evidence.New(EvidenceConfig())
		c := &concurTrack{tk: tk, inc: map[string]string{}, ep: map[string]int{}, events: map[int][]concurEvent{}, line: map[int][]rootSample{}, epLine: map[int][]epSample{}}
		s, out := concurRun(t, f, tk, c)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		for _, line := range missedWays(s, out, g, c, tally) {
			fmt.Println(line)
		}
		printTally(tally)
	}
}

// missedWays returns one line per missed truth and fills tally.
func missedWays(s *alertscenario.Scenario, out alertscenario.Outcome, g *topology.Graph, c *concurTrack, tally map[string]int) []string {
	counts := map[string]map[int]int{}
	for ep, p := range out.Assign {
		if counts[p] == nil {
			counts[p] = map[int]int{}
		}
		counts[p][s.EpisodeTruth[ep]]++
	}
	major, covered := map[string]int{}, map[int]bool{}
	for p, cnt := range counts {
		best, n := -1, 0
		for tid, k := range cnt {
			if k > n || k == n && tid < best {
				best, n = tid, k
			}
		}
		major[p], covered[best] = best, true
	}
	hops := engineConfig().MaxHops
	var lines []string
	for _, tr := range s.Truths {
		if covered[tr.ID] {
			continue
		}
		ep := missedEpisode(s, tr)
		p, ok := out.Assign[ep]
		if ep < 0 || !ok {
			tally[tr.Kind+" never paged"]++
			continue
		}
		mt := s.Truths[major[p]]
		svc := firstService(s, ep)
		ev := c.entry(ep, p)
		step := strings.Fields(ev.how + " x")[0]
		if step == "join" {
			step += " " + strings.Fields(ev.how + " x x")[1]
		} else if step != "open" {
			step = "moved"
		}
		rel := missedRelation(g, hops, svc, mt.Root)
		same := "no"
		for e2, p2 := range out.Assign {
			if p2 == p && e2 != ep && s.EpisodeTruth[e2] == mt.ID && firstService(s, e2) == svc {
				same = "yes"
			}
		}
		// The readings taken at the entry (concurTrack.readRoots): the
		// page's root, and a fault's own root, from the alert's service.
		read := "page root " + ev.read[mt.ID]
		if tr.Kind == "fault" {
			read += "; own root " + ev.read[tr.ID]
		}
		lines = append(lines, fmt.Sprintf("MISSED %s t%d %s in %s t%d(root %s) gap=%s rel=%s samesvc=%s step=[%s] spans: %s",
			tr.Kind, tr.ID, svc, mt.Kind, mt.ID, mt.Root, tr.Onset.Sub(mt.Onset).Round(time.Second), rel, same, ev.how, read))
		tally[tr.Kind+" in a "+mt.Kind+"'s page, by "+step]++
		tally[tr.Kind+" in a "+mt.Kind+"'s page, rel "+rel]++
		tally[tr.Kind+" in a "+mt.Kind+"'s page, service already in it "+same]++
	}
	return lines
}

// missedEpisode is the episode a missed truth is followed by: a fault's
// root's first alert (else its first), a noise truth's first.
func missedEpisode(s *alertscenario.Scenario, tr alertscenario.Truth) int {
	first := -1
	for _, n := range s.Notifications {
		if s.EpisodeTruth[n.Episode] != tr.ID {
			continue
		}
		if first < 0 {
			first = n.Episode
		}
		if n.Service == tr.Root {
			return n.Episode
		}
	}
	return first
}

// missedRelation says how svc stands to root in the graph: the same
// service, a caller k hops above it, a dependency k hops below, or
// apart (neither reaches the other within maxHops).
func missedRelation(g *topology.Graph, maxHops int, svc, root string) string {
	if svc == root {
		return "same"
	}
	if h, ok := g.Hops(svc, root, maxHops); ok {
		return fmt.Sprintf("caller%d", h)
	}
	if h, ok := g.Hops(root, svc, maxHops); ok {
		return fmt.Sprintf("dep%d", h)
	}
	return "apart"
}
