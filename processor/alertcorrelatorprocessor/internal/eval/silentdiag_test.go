package eval

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
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
	for _, f := range diagFamilies(t, "EVAL_SILENT_DIAG") {
		placed := map[int]string{}
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		pr := pageReadings{}
		s, out := silentRun(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if _, ok := placed[n.Episode]; !ok && n.State == "firing" {
				placed[n.Episode] = e.Placement(fp, n.At)
			}
		}, g, pr)
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
				fmt.Println(l + pr.lone(s, out, g, tr, tally))
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

// pageRead is what the replay's own tracker said when a page went out:
// the page's root service and, for each of its direct dependencies, a
// reading (errors or latency originating there, the root's calls to it).
type pageRead struct {
	root string
	at   time.Time
	own  string            // the root's own reading
	deps map[string]string // direct dependency -> reading
	key  map[string]string // direct dependency -> tally key
}

type pageReadings map[string]*pageRead

// silentRun is diagRunWith, recording with traces what the spans said
// about each page's root's direct dependencies when it went out.
func silentRun(t *testing.T, f Family, ingested func(*correlate.Engine, alertscenario.Notification, string), g *topology.Graph, pr pageReadings) (*alertscenario.Scenario, alertscenario.Outcome) {
	s := flatDraw(alertscenario.GenerateFamily(f.Spec))
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	tk := evidence.New(EvidenceConfig())
	opts := Options{ServiceLabel: f.ServiceLabel, Ingested: ingested, Evidence: tk, FixedGrid: fixedGrid()}
	opts.Traces = envTraceStream(t, s, f)
	if opts.Traces != nil {
		opts.Emitted = func(at time.Time, evs []correlate.Event) {
			for _, ev := range evs {
				if ev.State == alertconv.IncidentOpen && ev.Incident.RootService != "" {
					pr[ev.Incident.ID] = readPage(tk, g, ev.Incident.RootService, at)
				}
			}
		}
	}
	return s, Run(s, g, cfg, opts)
}

// readPage reads the tracker at a page for its root c.
func readPage(tk *evidence.Tracker, g *topology.Graph, c string, at time.Time) *pageRead {
	p := &pageRead{root: c, at: at, deps: map[string]string{}, key: map[string]string{}}
	oc, slc := tk.Origin(c, at), tk.SlowOrigin(c, at)
	p.own = fmt.Sprintf("caller origin=%v(%.0f%%) unexplained=%v slow=%v", oc.Anomalous, 100*oc.Rate, tk.Unexplained(c, at), slc.Anomalous)
	for _, d := range g.DependencyList(c, 1) {
		o, sl := tk.Origin(d.Service, at), tk.SlowOrigin(d.Service, at)
		un, link := tk.Unexplained(d.Service, at), tk.Link(c, d.Service, 1, at)
		links := map[evidence.Link]string{evidence.Unknown: "unknown", evidence.Linked: "linked", evidence.Unlinked: "unlinked"}
		p.deps[d.Service] = fmt.Sprintf("dep origin=%v(%.0f%% of %d, base %.1f%%) unexplained=%v slow=%v(%.0f%%) link=%s",
			o.Anomalous, 100*o.Rate, o.Spans, 100*o.Baseline, un, sl.Anomalous, 100*sl.Rate, links[link])
		kind := "none"
		switch {
		case un && sl.Anomalous:
			kind = "own errors+slow"
		case un:
			kind = "own errors"
		case sl.Anomalous:
			kind = "own slow"
		case o.Anomalous:
			kind = "errors explained by its calls"
		}
		p.key[d.Service] = fmt.Sprintf("dep %s, link %s, caller own %v", kind, links[link], tk.Unexplained(c, at) || slc.Anomalous)
	}
	return p
}

// lone reads, for a fault with one alerting direct caller of its silent
// root, what the spans said of the root when the main page went out.
func (pr pageReadings) lone(s *alertscenario.Scenario, out alertscenario.Outcome, g *topology.Graph, tr alertscenario.Truth, tally map[string]int) string {
	if len(pr) == 0 {
		return ""
	}
	main := out.MainGroup(s, tr.ID)
	p := pr[main]
	direct, first := map[string]bool{}, firstNotifications(s)
	for ep, tid := range s.EpisodeTruth {
		if tid != tr.ID {
			continue
		}
		if h, ok := g.Hops(first[ep].Service, tr.Root, 1); ok && h == 1 {
			direct[first[ep].Service] = true
		}
	}
	if len(direct) != 1 {
		return ""
	}
	switch {
	case p == nil:
		tally["lone: main page unread"]++
		return " | lone: main page unread"
	case p.deps[tr.Root] == "":
		tally["lone: main page's root not a direct caller"]++
		return fmt.Sprintf(" | lone: main page root %s not a direct caller", p.root)
	}
	tally["lone: "+p.key[tr.Root]]++
	return fmt.Sprintf(" | lone: page %s after onset; %s; %s", p.at.Sub(tr.Onset).Round(time.Second), p.own, p.deps[tr.Root])
}
