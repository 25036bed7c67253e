package eval

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestMissedClassDiag (EVAL_MISSEDCLASS_DIAG=<part of a family name>|tuning,
// EVAL_TRACES=1 for the traced run; tuning families only) sorts every
// true incident that is the majority of no page (the scorer's missed) by
// the way it was lost (sixty-eighth pass):
//   - merged: its paged alerts all sit in one page another truth holds
//     the most of (the page's truth's kind named);
//   - spread: its paged alerts sit in two or more pages, none its own;
//   - held: none of its alerts paged, and a page hold (the engine's
//     OnHold: awaitsCause, awaitsRepage, awaitsBurstDependency,
//     awaitsServiceIncident, awaitsQuietRead) kept an incident of its
//     alerts back past group_wait;
//   - resolved: none paged and no hold held them: every incident its
//     alerts were in resolved within its group_wait (how long the longest
//     alert fired: under 10s, 10-20s, longer);
//   - unshown: an incident of its alerts paged, but no record showed them.
//
// Each line says how many alerts the incident had and whether its root
// alerted (a fault's; "no root alert" when it never did). Then a tally.
func TestMissedClassDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_MISSEDCLASS_DIAG") {
		m := &missedTrack{active: map[string]int{}, off: map[string]time.Time{}, incs: map[int]map[string]bool{}, holds: map[string]map[string]bool{}}
		s, out := diagRunHooked(t, f, m.ingested, m.advanced)
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		for _, line := range m.classify(s, out, tally) {
			fmt.Println(line)
		}
		printTally(tally)
	}
}

// diagRunHooked is diagRunOn with an Advanced hook too.
func diagRunHooked(t *testing.T, f Family, ingested func(*correlate.Engine, alertscenario.Notification, string), advanced func(*correlate.Engine, time.Time)) (*alertscenario.Scenario, alertscenario.Outcome) {
	s := flatDraw(alertscenario.GenerateFamily(f.Spec))
	return s, diagRunHookedOn(t, f, s, ingested, advanced)
}

// diagRunHookedOn replays s (f's scenario as drawn) with the hooks.
func diagRunHookedOn(t *testing.T, f Family, s *alertscenario.Scenario, ingested func(*correlate.Engine, alertscenario.Notification, string), advanced func(*correlate.Engine, time.Time)) alertscenario.Outcome {
	g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	opts := Options{ServiceLabel: f.ServiceLabel, Ingested: ingested, Advanced: advanced, FixedGrid: fixedGrid()}
	opts.Traces = envTraceStream(t, s, f)
	return Run(s, g, cfg, opts)
}

// missedTrack follows, through a replay, every episode's incidents and
// every incident's page holds.
type missedTrack struct {
	hooked bool
	active map[string]int       // fp -> its current episode, while firing or just resolved
	off    map[string]time.Time // fp -> when its resolution was received
	incs   map[int]map[string]bool
	holds  map[string]map[string]bool // incident -> the holds that kept its page back
}

func (m *missedTrack) ingested(e *correlate.Engine, n alertscenario.Notification, fp string) {
	m.hook(e)
	m.active[fp] = n.Episode
	delete(m.off, fp)
	if n.State != "firing" {
		m.off[fp] = n.At
	}
	m.note(e, fp, n.Episode)
}

func (m *missedTrack) advanced(e *correlate.Engine, at time.Time) {
	m.hook(e)
	for fp, ep := range m.active {
		if off, ok := m.off[fp]; ok && at.Sub(off) > time.Minute {
			delete(m.active, fp)
			delete(m.off, fp)
			continue
		}
		m.note(e, fp, ep)
	}
}

func (m *missedTrack) hook(e *correlate.Engine) {
	if m.hooked {
		return
	}
	m.hooked = true
	e.OnHold(func(h correlate.HoldNote) {
		if m.holds[h.Incident] == nil {
			m.holds[h.Incident] = map[string]bool{}
		}
		m.holds[h.Incident][h.Hold] = true
	})
}

func (m *missedTrack) note(e *correlate.Engine, fp string, ep int) {
	id := e.IncidentOf(fp)
	if id == "" {
		return
	}
	if m.incs[ep] == nil {
		m.incs[ep] = map[string]bool{}
	}
	m.incs[ep][id] = true
}

// classify returns one line per missed truth and fills tally.
func (m *missedTrack) classify(s *alertscenario.Scenario, out alertscenario.Outcome, tally map[string]int) []string {
	major := pageTruths(s, out)
	covered := map[int]bool{}
	for _, tid := range major {
		covered[tid] = true
	}
	eps, fired, rootAlerted := truthEpisodes(s)
	var lines []string
	for _, tr := range s.Truths {
		if covered[tr.ID] || len(eps[tr.ID]) == 0 {
			continue
		}
		way, detail := m.way(s, out, major, eps[tr.ID], fired)
		root := ""
		if tr.Kind == "fault" && !rootAlerted[tr.ID] {
			root = " no root alert"
		}
		n := len(eps[tr.ID])
		size := "1 alert"
		if n > 1 {
			size = "2+ alerts"
		}
		lines = append(lines, fmt.Sprintf("MISSED %s t%d root=%s alerts=%d%s: %s %s", tr.Kind, tr.ID, tr.Root, n, root, way, detail))
		tally[tr.Kind+" "+way]++
		tally[tr.Kind+" "+way+", "+size+root]++
	}
	return lines
}

// way sorts one missed truth's episodes (see TestMissedClassDiag).
func (m *missedTrack) way(s *alertscenario.Scenario, out alertscenario.Outcome, major map[string]int, eps []int, fired map[int]time.Duration) (string, string) {
	pages := map[string]bool{}
	for _, ep := range eps {
		if p, ok := out.Assign[ep]; ok {
			pages[p] = true
		}
	}
	switch {
	case len(pages) == 1:
		for p := range pages {
			mt := s.Truths[major[p]]
			return "merged into a " + mt.Kind + "'s page", fmt.Sprintf("(t%d root %s)", mt.ID, mt.Root)
		}
	case len(pages) > 1:
		return "spread", fmt.Sprintf("(%d pages)", len(pages))
	}
	holds := map[string]bool{}
	var longest time.Duration
	for _, ep := range eps {
		longest = max(longest, fired[ep])
		for id := range m.incs[ep] {
			if _, ok := out.PagedAt[id]; ok {
				return "unshown", "(in paged " + id + ")"
			}
			for h := range m.holds[id] {
				holds[h] = true
			}
		}
	}
	if len(holds) > 0 {
		return "held " + strings.Join(slices.Sorted(maps.Keys(holds)), "+"), fmt.Sprintf("(fired %s)", longest)
	}
	switch {
	case longest < 10*time.Second:
		return "resolved, fired <10s", fmt.Sprintf("(fired %s)", longest)
	case longest < 20*time.Second:
		return "resolved, fired 10-20s", fmt.Sprintf("(fired %s)", longest)
	}
	return "resolved, fired 20s+", fmt.Sprintf("(fired %s)", longest)
}

// pageTruths is the scorer's majority truth of every page.
func pageTruths(s *alertscenario.Scenario, out alertscenario.Outcome) map[string]int {
	counts := map[string]map[int]int{}
	for ep, p := range out.Assign {
		if counts[p] == nil {
			counts[p] = map[int]int{}
		}
		counts[p][s.EpisodeTruth[ep]]++
	}
	major := map[string]int{}
	for p, cnt := range counts {
		best, n := -1, 0
		for tid, k := range cnt {
			if k > n || k == n && tid < best {
				best, n = tid, k
			}
		}
		major[p] = best
	}
	return major
}

// truthEpisodes returns each truth's episodes, how long each episode
// fired (first firing to resolution received; to the last notification
// when it never resolved), and whether each truth alerted at its root.
func truthEpisodes(s *alertscenario.Scenario) (map[int][]int, map[int]time.Duration, map[int]bool) {
	eps := map[int][]int{}
	first, last := map[int]time.Time{}, map[int]time.Time{}
	rootAlerted := map[int]bool{}
	for _, n := range s.Notifications {
		tid := s.EpisodeTruth[n.Episode]
		if _, ok := first[n.Episode]; !ok {
			first[n.Episode] = n.At
			eps[tid] = append(eps[tid], n.Episode)
		}
		last[n.Episode] = n.At
		if n.Service == s.Truths[tid].Root {
			rootAlerted[tid] = true
		}
	}
	fired := map[int]time.Duration{}
	for ep, at := range first {
		fired[ep] = last[ep].Sub(at)
	}
	return eps, fired, rootAlerted
}
