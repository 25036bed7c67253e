package eval

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestNoisePageDiag accounts for the noise incidents (maintenance,
// unrelated) that are missed: the majority of no page because their alerts
// were paged with another truth's (EVAL_NOISEPAGE_DIAG=<part of a family
// name>; EVAL_TRACES and EVAL_TRACE_DENSITY as for the others; tuning
// families only). Per page holding the alerts of more than one truth, at
// least one of them noise, one line: each alert as kind+truth:service,
// its onset after the page's first, and the rule that placed it
// (correlate.Engine.Placement). Then a tally of the placements of the
// noise alerts in such pages, and of the missed noise truths.
func TestNoisePageDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_NOISEPAGE_DIAG") {
		placed := map[int]string{}
		mv := &moves{fps: map[int]string{}, inc: map[int]string{}}
		s0 := flatDraw(alertscenario.GenerateFamily(f.Spec))
		mv.ev = &fedTracker{Tracker: evidence.New(evidence.Config{}), ts: envTraceStream(t, s0, f), traced: s0.Notifications[0].At.Add(-10 * time.Minute).Truncate(time.Second)}
		mv.g = learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		mv.engineEv = evidence.New(EvidenceConfig())
		s, out := diagRunOn(t, f, mv.engineEv, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if _, ok := placed[n.Episode]; !ok && n.State == "firing" {
				placed[n.Episode] = e.Placement(fp, n.At)
			}
			mv.note(e, n, fp)
		})
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		for _, l := range mv.lines {
			fmt.Println(l)
		}
		for _, l := range noisePages(s, out, placed, tally) {
			fmt.Println(l)
		}
		printTally(tally)
	}
}

// noisePages returns noisePageDiag's lines and fills tally.
func noisePages(s *alertscenario.Scenario, out alertscenario.Outcome, placed map[int]string, tally map[string]int) []string {
	first := firstNotifications(s)
	pageEps := map[string][]int{}
	for ep, p := range out.Assign {
		pageEps[p] = append(pageEps[p], ep)
	}
	owners := map[int]bool{}
	var lines []string
	for _, p := range slices.Sorted(maps.Keys(pageEps)) {
		eps := pageEps[p]
		owners[majority(s, eps)] = true
		slices.SortFunc(eps, func(a, b int) int { return first[a].StartsAt.Compare(first[b].StartsAt) })
		truths, noise := map[int]bool{}, false
		for _, ep := range eps {
			tr := s.Truths[s.EpisodeTruth[ep]]
			truths[tr.ID] = true
			noise = noise || tr.Kind != "fault"
		}
		if len(truths) < 2 || !noise {
			continue
		}
		var parts []string
		for _, ep := range eps {
			tr := s.Truths[s.EpisodeTruth[ep]]
			parts = append(parts, fmt.Sprintf("%s%d:%s+%s {%s}", tr.Kind[:1], tr.ID, first[ep].Service,
				first[ep].StartsAt.Sub(first[eps[0]].StartsAt).Round(time.Second), placed[ep]))
			if tr.Kind != "fault" {
				tally["noise in a shared page: "+tr.Kind+" "+placeKind(placed[ep])]++
			}
		}
		lines = append(lines, fmt.Sprintf("page %.4s: %s", p, strings.Join(parts, " | ")))
	}
	for _, tr := range s.Truths {
		if tr.Kind != "fault" && !owners[tr.ID] {
			tally["missed noise truth: "+tr.Kind]++
		}
	}
	return lines
}

// moves records, at each ingested notification, the alerts whose
// incident changed since the last one, with the engine's counters that
// moved meanwhile (which rule moved them).
type moves struct {
	fps   map[int]string // episode -> fingerprint
	inc   map[int]string // episode -> incident at the last look
	stats correlate.Stats
	ev    *fedTracker // read at EVAL_NOISEPAGE_SVC's onsets
	// engineEv is the replay's own tracker, read there too.
	engineEv *evidence.Tracker
	g        *topology.Graph
	lines    []string
}

func (m *moves) note(e *correlate.Engine, n alertscenario.Notification, fp string) {
	m.fps[n.Episode] = fp
	if svc := n.Service; slices.Contains(strings.Split(os.Getenv("EVAL_NOISEPAGE_SVC"), ","), svc) && n.State == "firing" {
		m.lines = append(m.lines, fmt.Sprintf("%s ep%d at %s: %s; engine (\"-\": spans not read) %s; fed tracker %s", svc, n.Episode, n.At.Format("15:04:05"), e.Placement(fp, n.At), e.PathReading(svc, ""), m.edgesInto(svc, n.At)))
		m.lines = append(m.lines, fmt.Sprintf("  engine's tracker: %s\n  fed tracker:      %s", m.engineEv.QuietReading(svc, n.At), m.ev.at(n.At).QuietReading(svc, n.At)))
	}
	st := e.Stats()
	var moved []string
	for ep, f := range m.fps {
		now := e.IncidentOf(f)
		if was, ok := m.inc[ep]; ok && was != now && was != "" && now != "" {
			moved = append(moved, fmt.Sprintf("ep%d %.4s->%.4s", ep, was, now))
		}
		m.inc[ep] = now
	}
	if len(moved) > 0 {
		slices.Sort(moved)
		m.lines = append(m.lines, fmt.Sprintf("moved at %s (ingesting ep%d %s): %s; counters %s; take-over: %s",
			n.At.Format("15:04:05"), n.Episode, n.Service, strings.Join(moved, " "), statsDiff(m.stats, st), e.TakeOverDetail(fp, n.At)))
	}
	m.stats = st
}

// statsDiff names the counters that differ between a and b.
func statsDiff(a, b correlate.Stats) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		if va.Field(i).CanInterface() && va.Field(i).Interface() != vb.Field(i).Interface() {
			out = append(out, fmt.Sprintf("%s+%v", va.Type().Field(i).Name, vb.Field(i).Interface()))
		}
	}
	return strings.Join(out, ",")
}

// edgesInto reads svc in the fed tracker at now: Quiet, and how many of
// its graph callers' calls into it read Linked (an anomalous edge) of
// those that read anything but Unknown.
func (m *moves) edgesInto(svc string, now time.Time) string {
	tk := m.ev.at(now)
	linked, known, callers := 0, 0, m.g.CallerList(svc, 1)
	for _, c := range callers {
		switch tk.Link(c.Service, svc, 1, now) {
		case evidence.Linked:
			linked++
			known++
		case evidence.Unlinked:
			known++
		}
	}
	o := tk.Origin(svc, now)
	return fmt.Sprintf("quiet=%v spans=%d origins=%d anomalous=%v slow=%v callers=%d linked=%d known=%d",
		tk.Quiet(svc, now), o.Spans, o.Origins, o.Anomalous, tk.Slow(svc, now).Anomalous, len(callers), linked, known)
}
