package eval

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestPageDiag accounts for every page sent (EVAL_PAGE_DIAG=<part of a
// family name>|tuning; tuning families only): per page, what it held when
// it went out (each alert's fault or noise, "2nd" for a service's later
// alert of its fault whose first alert was then in another incident), the
// rule that placed its first alert, and what became of it: merged away
// into another incident (how long after the page, and whether the
// survivor then held an earlier alert of the page's service), or kept.
// Pages beyond one per true incident are what pages per incident counts.
func TestPageDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_PAGE_DIAG") {
		pageDiag(t, f)
	}
}

// sentPage is one page as it went out and what became of it.
type sentPage struct {
	id, what, placed string
	at, mergedAt     time.Time
	survivor, shared string
	survivorRoot     string
	services         []string
	members          []string
}

func pageDiag(t *testing.T, f Family) {
	s := flatDraw(alertscenario.GenerateFamily(f.Spec))
	g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	first := firstNotifications(s)
	earlier := serviceEarlier(s, first)
	epOf := map[string]int{}
	placed := map[int]string{}
	var eng *correlate.Engine
	var pages []*sentPage
	byID := map[string]*sentPage{}
	opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid(), Traces: envTraceStream(t, s, f)}
	opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
		eng, epOf[fp] = e, n.Episode
		if _, ok := placed[n.Episode]; !ok && n.State == "firing" {
			placed[n.Episode] = e.Placement(fp, n.At)
		}
	}
	opts.Emitted = func(at time.Time, evs []correlate.Event) {
		for _, ev := range evs {
			switch {
			case ev.State == alertconv.IncidentOpen:
				p := &sentPage{id: ev.Incident.ID, at: at, services: ev.Incident.Services, members: ev.Incident.Members}
				p.what, p.placed = pageHeld(s, ev.Incident.Members, epOf, earlier, eng, placed)
				pages = append(pages, p)
				byID[p.id] = p
			case ev.Incident.MergedInto != "" && byID[ev.Incident.ID] != nil:
				p := byID[ev.Incident.ID]
				p.mergedAt, p.survivor = at, ev.Incident.MergedInto
				if sv, ok := eng.Incident(p.survivor, at); ok {
					p.survivorRoot = sv.RootService
					moved := append(slices.Clone(p.members), ev.Incident.Members...)
					p.shared = sharedServices(s, p.services, sv.Members, moved, epOf)
				}
			}
		}
	}
	out := Run(s, g, cfg, opts)
	fmt.Println("==", f.Spec.Name)
	tally := map[string]int{}
	for _, p := range pages {
		fate := "kept"
		if !p.mergedAt.IsZero() {
			fate = fmt.Sprintf("merged+%s into %.6s (root %s) shared=[%s]", p.mergedAt.Sub(p.at).Round(time.Second), p.survivor, p.survivorRoot, p.shared)
			kind := "other service"
			if p.shared != "" {
				kind = "own service in survivor"
			}
			tally[fmt.Sprintf("merged away: %s | %s | %s", pageKind(p.what), kind, placeKind(p.placed))]++
		}
		fmt.Printf("PAGE t=%s %s [%s] %s | %s\n", p.at.Sub(s.Notifications[0].At).Round(time.Second), p.id, p.what, fate, p.placed)
	}
	truths := map[int]bool{}
	for _, tid := range s.EpisodeTruth {
		truths[tid] = true
	}
	fmt.Printf("pages=%d true-incidents=%d dropped-unpaged=%d\n", len(pages), len(truths), eng.Stats().DroppedUnpaged)
	unpagedTruths(s, out, tally)
	printTally(tally)
}

// serviceEarlier marks each episode that is a later alert of its service
// for its truth, with the service's first episode of that truth.
func serviceEarlier(s *alertscenario.Scenario, first map[int]alertscenario.Notification) map[int]int {
	type key struct {
		tid int
		svc string
	}
	firstEp := map[key]int{}
	for _, n := range s.Notifications {
		k := key{s.EpisodeTruth[n.Episode], n.Service}
		if _, ok := firstEp[k]; !ok {
			firstEp[k] = n.Episode
		}
	}
	out := map[int]int{}
	for ep, n := range first {
		if f := firstEp[key{s.EpisodeTruth[ep], n.Service}]; f != ep {
			out[ep] = f
		}
	}
	return out
}

// pageHeld describes a page's alerts ("f12 app-001 2nd" ...), and the
// placement of its earliest alert.
func pageHeld(s *alertscenario.Scenario, members []string, epOf map[string]int, earlier map[int]int, e *correlate.Engine, placed map[int]string) (string, string) {
	var parts []string
	firstPlaced := ""
	for i, fp := range members {
		ep, ok := epOf[fp]
		if !ok {
			continue
		}
		tr := s.Truths[s.EpisodeTruth[ep]]
		w := fmt.Sprintf("%s%d %s", tr.Kind[:1], tr.ID, firstService(s, ep))
		if tr.Kind == "fault" && firstService(s, ep) == tr.Root {
			w += " ROOT"
		}
		if f, ok := earlier[ep]; ok && e.IncidentOf(fpOfEpisode(epOf, f)) != e.IncidentOf(fp) {
			w += " 2nd"
		}
		parts = append(parts, w)
		if i == 0 {
			firstPlaced = placed[ep]
		}
	}
	return strings.Join(parts, ", "), firstPlaced
}

// fpOfEpisode is the fingerprint last seen with episode ep.
func fpOfEpisode(epOf map[string]int, ep int) string {
	for fp, e := range epOf {
		if e == ep {
			return fp
		}
	}
	return ""
}

// pageKind sorts a page by what it held: every alert a service's later
// alert ("second alerts"), a fault's root, a fault's other alerts, noise.
func pageKind(what string) string {
	alerts := strings.Split(what, ", ")
	second, root, fault := 0, 0, 0
	for _, a := range alerts {
		switch {
		case strings.HasSuffix(a, " 2nd"):
			second++
		case strings.HasSuffix(a, " ROOT"):
			root++
		case strings.HasPrefix(a, "f"):
			fault++
		}
	}
	switch {
	case second == len(alerts):
		return "second alerts only"
	case second > 0:
		return "with second alerts"
	case root > 0:
		return "a fault's root"
	case fault > 0:
		return "fault symptoms"
	}
	return "noise"
}

// sharedServices lists the page's services on which the survivor holds
// an alert that did not come from the page (its own earlier alerts there).
func sharedServices(s *alertscenario.Scenario, page, survivor, moved []string, epOf map[string]int) string {
	var out []string
	for _, fp := range survivor {
		if slices.Contains(moved, fp) {
			continue
		}
		if ep, ok := epOf[fp]; ok {
			if svc := firstService(s, ep); slices.Contains(page, svc) && !slices.Contains(out, svc) {
				out = append(out, svc)
			}
		}
	}
	return strings.Join(out, " ")
}

// unpagedTruths tallies the truths none of whose alerts ended in an
// incident that paged, by kind.
func unpagedTruths(s *alertscenario.Scenario, out alertscenario.Outcome, tally map[string]int) {
	paged := map[int]bool{}
	for ep, tid := range s.EpisodeTruth {
		if _, ok := out.PagedAt[out.Assign[ep]]; ok {
			paged[tid] = true
		}
	}
	for _, tr := range s.Truths {
		if !paged[tr.ID] {
			tally["never paged: "+tr.Kind]++
		}
	}
}
