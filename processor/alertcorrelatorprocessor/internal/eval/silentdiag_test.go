package eval

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestSilentRootDiag (EVAL_SILENT_DIAG=<part of a family name>|tuning;
// meant with EVAL_PACE=rules; EVAL_TRACES=1 for the traced run) prints,
// for every fault whose root never alerts (its alerts are all its
// callers'), how its alerts were paged (one page, several, some in a page
// holding another fault's alerts), whether the root is in the learned
// graph, how many of its alerting services are the root's direct
// callers, how many dependencies not alerting those direct callers share
// (the root among them), what the main page named as root, and, with
// traces, whether the spans showed errors originating in the root 30 s
// after the fault's first alert. Then a tally (EVALUATION.md, fifty-third
// pass).
func TestSilentRootDiag(t *testing.T) {
	name := os.Getenv("EVAL_SILENT_DIAG")
	if name == "" {
		t.Skip("set EVAL_SILENT_DIAG=<family>|tuning")
	}
	fams, err := Families("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.Spec.HeldOut || name != "tuning" && !strings.Contains(f.Spec.Name, name) {
			continue
		}
		placed := map[int]string{}
		s, out := diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if _, ok := placed[n.Episode]; !ok && n.State == "firing" {
				placed[n.Episode] = e.Placement(fp, n.At)
			}
		})
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		var ev *fedTracker
		if os.Getenv("EVAL_TRACES") != "" {
			ev = &fedTracker{Tracker: evidence.New(evidence.Config{}), ts: envTraceStream(t, s, f), traced: s.Notifications[0].At.Add(-10 * time.Minute)}
		}
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		faults := 0
		for _, tr := range s.Truths {
			if tr.Kind != "fault" {
				continue
			}
			faults++
			if l := silentLine(s, out, g, ev, placed, tr, tally); l != "" {
				fmt.Println(l)
			}
		}
		tally[fmt.Sprintf("faults %d", faults)]++
		printTally(tally)
	}
}

// silentLine describes one fault whose root never alerts ("" for others).
func silentLine(s *alertscenario.Scenario, out alertscenario.Outcome, g *topology.Graph, ev *fedTracker, placed map[int]string, tr alertscenario.Truth, tally map[string]int) string {
	first := firstNotifications(s)
	var eps []int
	var onset time.Time
	for ep, tid := range s.EpisodeTruth {
		if tid != tr.ID {
			continue
		}
		if first[ep].Service == tr.Root {
			return ""
		}
		eps = append(eps, ep)
		if onset.IsZero() || first[ep].StartsAt.Before(onset) {
			onset = first[ep].StartsAt
		}
	}
	if len(eps) == 0 {
		return ""
	}
	pages, other := map[string]bool{}, 0
	direct, svcs := 0, map[string]bool{}
	var directOn []time.Time
	burst := 0
	for _, ep := range eps {
		p, ok := out.Assign[ep]
		if !ok {
			p = fmt.Sprintf("unpaged-%d", ep)
		}
		pages[p] = true
		if ok && holdsOtherFault(s, out, p, tr.ID) {
			other++
		}
		svc := first[ep].Service
		if !svcs[svc] {
			svcs[svc] = true
			if h, ok := g.Hops(svc, tr.Root, 1); ok && h == 1 {
				direct++
				directOn = append(directOn, first[ep].StartsAt)
				if strings.Contains(placeKind(placed[ep]), "burst") {
					burst++
				}
			}
		}
	}
	way := "one page"
	switch {
	case other > 0:
		way = "some in another fault's page"
	case len(pages) > 1:
		way = "several pages"
	}
	main := out.MainGroup(s, tr.ID)
	named := "none"
	if r := out.Ranking[main]; len(r) > 0 {
		h, ok := g.Hops(r[0], tr.Root, 3)
		named = fmt.Sprintf("caller %d hops", h)
		if !ok {
			named = "unrelated to root"
		}
	}
	shared := sharedQuiet(g, s, svcs, tr.Root)
	spread := "n/a"
	if len(directOn) > 1 {
		slices.SortFunc(directOn, time.Time.Compare)
		minGap := directOn[len(directOn)-1].Sub(directOn[0])
		for i := 1; i < len(directOn); i++ {
			minGap = min(minGap, directOn[i].Sub(directOn[i-1]))
		}
		spread = fmt.Sprintf("%s/%s", directOn[len(directOn)-1].Sub(directOn[0]).Round(time.Second), minGap.Round(time.Second))
		tally[fmt.Sprintf("2+ direct: first gap %s", gapBucket(directOn[1].Sub(directOn[0])))]++
		tally[fmt.Sprintf("2+ direct: %s / in burst %d of %d", way, burst, len(directOn))]++
	}
	origin := "-"
	if ev != nil {
		at := onset.Add(30 * time.Second)
		tk := ev.at(at)
		origin = fmt.Sprintf("origin=%v unexplained=%v", tk.Origin(tr.Root, at).Anomalous, tk.Unexplained(tr.Root, at))
		tally["traced: "+origin]++
	}
	tally["way: "+way]++
	tally[fmt.Sprintf("in graph %v", g.HasNode(tr.Root))]++
	tally[fmt.Sprintf("direct callers alerting: %s", countBucket(direct))]++
	tally["named: "+named]++
	tally[fmt.Sprintf("shared quiet deps of direct callers: %s", shared)]++
	return fmt.Sprintf("fault %d root=%s alerts=%d services=%d direct=%d pages=%d other=%d named=%s shared=%s spread/mingap=%s burst=%d %s",
		tr.ID, tr.Root, len(eps), len(svcs), direct, len(pages), other, named, shared, spread, burst, origin)
}

// holdsOtherFault reports whether page holds an alert of a fault other than id.
func holdsOtherFault(s *alertscenario.Scenario, out alertscenario.Outcome, page string, id int) bool {
	for ep, p := range out.Assign {
		if p == page && s.EpisodeTruth[ep] != id && s.Truths[s.EpisodeTruth[ep]].Kind == "fault" {
			return true
		}
	}
	return false
}

// sharedQuiet says how many services every alerting direct caller of root
// calls directly (root included), "n/a" with fewer than two such callers.
func sharedQuiet(g *topology.Graph, s *alertscenario.Scenario, svcs map[string]bool, root string) string {
	var callers []string
	for svc := range svcs {
		if h, ok := g.Hops(svc, root, 1); ok && h == 1 {
			callers = append(callers, svc)
		}
	}
	if len(callers) < 2 {
		return "n/a"
	}
	slices.Sort(callers)
	count := map[string]int{}
	for _, c := range callers {
		for _, d := range g.DependencyList(c, 1) {
			count[d.Service]++
		}
	}
	n := 0
	for d, c := range count {
		if c == len(callers) && !svcs[d] {
			n++
		}
	}
	return countBucket(n)
}

func countBucket(n int) string {
	if n >= 3 {
		return "3+"
	}
	return fmt.Sprint(n)
}

func gapBucket(d time.Duration) string {
	switch {
	case d <= 30*time.Second:
		return "<=30s"
	case d <= 2*time.Minute:
		return "30s-2m"
	case d <= 4*time.Minute:
		return "2-4m"
	}
	return ">4m"
}
