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

// TestFragDiag accounts for every fragment of a fault (EVAL_FRAG_DIAG=<part
// of a family name>, EVAL_TRACES=1 for the traced run; tuning families
// only): a fault alert whose page is not the fault's main page (the one
// holding its root's alert, else the one holding most of its alerts).
// With second alerts, the main page is the root's first alert's.
// Per fragment, one line: its service and
// onset against the fault's, where it ended (alone, with noise, in another
// fault's page), the graph relation to the root and to the main page's
// alerts (hops, either direction), whether the main page's first alert had
// opened before it, the onset gap to the nearest related main-page alert,
// and what the traces said at its onset (Link to the root: 0 unknown, 1
// linked, 2 unlinked; errors unexplained in its service; the root an
// origin; evidence.Fresh toward the root; Link toward the main page's
// nearest alerting dependency). Then a tally by the likely reason it
// stayed apart, and with traces one by class: its placement at its first
// firing, where it ended, and whether its calls showed the anomaly
// travelling toward its root or that dependency (sixty-seventh pass).
// EVAL_FRAG_DETAIL=1 adds to each placement what the burst rule read
// (Engine.BurstReading) and how a joined alert relates to its incident
// (Engine.JoinDetail), both at its first firing, and why lateapart.go left
// its service's direct callers' alerts in other incidents then
// (Engine.LateApartDetail, ninety-eighth pass).
// With traces, a fragment that joined another fault's incident as a
// symptom while its calls fail toward both roots (Link Linked to each: a
// shared caller) also gets its alert's onset and when its calls toward
// each root began failing (evidence.Tracker.FailingSince), read from the
// replay's own tracker at its first firing, and a tally of which edge
// began failing nearer before the alert's onset (seventieth pass).
// With traces, each fragment also tallies whether the engine's tracker read
// its fault's root and its own service quiet (evidence.Quiet) at their
// first firings (eighty-second pass: a quiet root's take-overs are
// refused, a quiet alert in a burst keeps no relation).
func TestFragDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_FRAG_DIAG") {
		placed := map[int]string{}
		var tk *evidence.Tracker
		if os.Getenv("EVAL_TRACES") != "" {
			tk = evidence.New(EvidenceConfig())
		}
		pre := flatDraw(alertscenario.GenerateFamily(f.Spec))
		epOf := map[string]int{}
		onsets := map[int]edgeOnsets{}
		quietAt := map[int]bool{}
		s, out := diagRunOn(t, f, tk, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if _, ok := placed[n.Episode]; !ok && n.State == "firing" {
				placed[n.Episode] = e.Placement(fp, n.At)
				quietAt[n.Episode] = tk != nil && tk.Quiet(n.Service, n.At)
				if os.Getenv("EVAL_FRAG_DETAIL") != "" {
					placed[n.Episode] += " || " + e.BurstReading(fp, n.At) + " || " + e.JoinDetail(fp, n.At) + " || late apart: " + e.LateApartDetail(fp, n.At)
				}
				if tk != nil && strings.HasPrefix(placed[n.Episode], "joined (symptom=true") {
					if o, ok := readEdgeOnsets(e, tk, pre, epOf, n, fp); ok {
						onsets[n.Episode] = o
					}
				}
			}
			epOf[fp] = n.Episode
		})
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		var ev *fedTracker
		if os.Getenv("EVAL_TRACES") != "" {
			ev = &fedTracker{
				Tracker: evidence.New(evidence.Config{}),
				ts:      envTraceStream(t, s, f),
				traced:  s.Notifications[0].At.Add(-10 * time.Minute),
			}
		}
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		burstTally(s, placed, tally)
		for _, l := range fragments(s, out, g, ev, fragReadings{placed, onsets, quietAt}, tally) {
			fmt.Println(l)
		}
		printTally(tally)
	}
}

// fedTracker is a tracker fed the family's traces as Run feeds its own;
// fragments reads it at each fragment's onset (it is fed in time order).
type fedTracker struct {
	*evidence.Tracker
	ts     *alertscenario.TraceStream
	traced time.Time
}

// at feeds the traces up to now and returns the tracker.
func (f *fedTracker) at(now time.Time) *evidence.Tracker {
	for ; !f.traced.After(now); f.traced = f.traced.Add(5 * time.Second) {
		f.Observe(f.ts.Tick(f.traced), f.traced)
	}
	return f.Tracker
}

// fragReadings is what TestFragDiag read at each episode's first firing:
// its placement, a shared caller's edge onsets, and whether the engine's
// tracker read its service quiet.
type fragReadings struct {
	placed  map[int]string
	onsets  map[int]edgeOnsets
	quietAt map[int]bool
}

// fragments lists the fragment lines of every fault and tallies reasons.
func fragments(s *alertscenario.Scenario, out alertscenario.Outcome, g *topology.Graph, ev *fedTracker, rd fragReadings, tally map[string]int) []string {
	placed, onsets := rd.placed, rd.onsets
	rootQuiet := map[int]bool{}
	first := firstNotifications(s)
	group := func(ep int) string {
		if p, ok := out.Assign[ep]; ok {
			return p
		}
		return fmt.Sprintf("unpaged-%d", ep)
	}
	pageEps := map[string][]int{}
	for ep := range s.EpisodeTruth {
		pageEps[group(ep)] = append(pageEps[group(ep)], ep)
	}
	var fr []frag
	var rootLines []string
	for _, tr := range s.Truths {
		if tr.Kind != "fault" {
			continue
		}
		count := map[string]int{}
		var eps []int
		for ep, tid := range s.EpisodeTruth {
			if tid == tr.ID {
				count[group(ep)]++
				eps = append(eps, ep)
			}
		}
		if len(count) < 2 {
			continue
		}
		// The root's first alert's page: with second alerts
		// (EVAL_SECOND_ALERTS) the root has several, in map order.
		main, rootAt := "", time.Time{}
		for _, ep := range eps {
			if on := first[ep].StartsAt; first[ep].Service == tr.Root && (main == "" || on.Before(rootAt)) {
				main, rootAt = group(ep), on
			}
		}
		for p, c := range count {
			if _, root := count[main]; root {
				break
			}
			if main == "" || c > count[main] || c == count[main] && p < main {
				main = p
			}
		}
		for _, ep := range eps {
			if first[ep].Service == tr.Root {
				rootQuiet[tr.ID] = rootQuiet[tr.ID] || rd.quietAt[ep]
				rootLines = append(rootLines, fmt.Sprintf("root of fault %d %s@%s | %s", tr.ID, tr.Root, first[ep].StartsAt.Sub(tr.Onset).Round(time.Second), placed[ep]))
				tally["root placed: "+placeKind(placed[ep])]++
			}
			if group(ep) != main {
				fr = append(fr, frag{tr: tr, ep: ep, main: main, placedAt: placed[ep]})
			}
		}
	}
	slices.SortFunc(fr, func(a, b frag) int { return first[a.ep].At.Compare(first[b.ep].At) })
	lines := rootLines
	for _, x := range fr {
		lines = append(lines, x.line(s, first, pageEps, group, g, ev, tally)+" | "+placed[x.ep])
		tally["placed: "+placeKind(placed[x.ep])]++
		if ev != nil {
			tally[fmt.Sprintf("quiet at first firing: root %v, alert %v", rootQuiet[x.tr.ID], rd.quietAt[x.ep])]++
		}
		if o, ok := onsets[x.ep]; ok {
			lines = append(lines, "  "+o.String())
			tally["shared caller (symptom join, Linked to both roots), first edge: "+o.verdict()]++
			tally["shared caller (symptom join, Linked to both roots), path: "+o.pathVerdict()]++
			tally["shared caller (symptom join, Linked to both roots), share: "+o.shareVerdict()]++
		}
	}
	return lines
}

type frag struct {
	tr       alertscenario.Truth
	ep       int
	main     string
	placedAt string // its placement at its first firing
}

// line describes one fragment and adds its reason to tally.
func (x frag) line(s *alertscenario.Scenario, first map[int]alertscenario.Notification, pageEps map[string][]int, group func(int) string, g *topology.Graph, ev *fedTracker, tally map[string]int) string {
	n := first[x.ep]
	svc := n.Service
	dest := x.destination(s, pageEps[group(x.ep)])
	rootHops, rootOK := g.Hops(svc, x.tr.Root, 10)
	// Nearest main-page alert, either direction, and its onset gap.
	best, bestDir, gap, mainFirst, nearest := 99, "", time.Duration(0), time.Time{}, ""
	rootAt := time.Time{}
	for _, o := range pageEps[x.main] {
		on := first[o].StartsAt
		if mainFirst.IsZero() || on.Before(mainFirst) {
			mainFirst = on
		}
		if first[o].Service == x.tr.Root && s.EpisodeTruth[o] == x.tr.ID {
			rootAt = on
		}
		if h, ok := g.Hops(svc, first[o].Service, 10); ok && h < best {
			best, bestDir, gap, nearest = h, "sym", n.StartsAt.Sub(on), first[o].Service
		}
		if h, ok := g.Hops(first[o].Service, svc, 10); ok && h < best {
			best, bestDir, gap = h, "dep", n.StartsAt.Sub(on)
		}
	}
	existed := !mainFirst.IsZero() && mainFirst.Before(n.StartsAt)
	rootState := "root not alerting"
	if !rootAt.IsZero() {
		rootState = fmt.Sprintf("root alert %+ds", int(rootAt.Sub(n.StartsAt).Seconds()))
	}
	evs := ""
	if ev != nil {
		tk := ev.at(n.At)
		link := tk.Link(svc, x.tr.Root, 3, n.At)
		mainLink := evidence.Unknown
		if nearest != "" {
			mainLink = tk.Link(svc, nearest, 3, n.At)
		}
		evs = fmt.Sprintf(" link=%d fresh=%v mainlink=%d(%s) unexplained=%v rootorigin=%v", link, tk.Fresh(svc, x.tr.Root, 3, n.At), mainLink, nearest, tk.Unexplained(svc, n.At), tk.Origin(x.tr.Root, n.At).Anomalous)
		// The class the brief counts: what placed it, where it ended,
		// whether its calls showed the fault's anomaly toward the root
		// or the main page's nearest alerting dependency.
		shown := "no anomaly shown"
		if link == evidence.Linked || mainLink == evidence.Linked {
			shown = "anomaly travels"
		}
		tally[fmt.Sprintf("class: %s / %s / %s", placeKind(x.placedAt), dest, shown)]++
	}
	vsMain := "main none"
	if !mainFirst.IsZero() {
		vsMain = fmt.Sprintf("main first %+ds", int(mainFirst.Sub(n.StartsAt).Seconds()))
	}
	reason := fragReason(rootOK, rootHops, best, gap, existed)
	tally[dest+" / "+reason]++
	tally["all / "+reason]++
	return fmt.Sprintf("fault %d root=%s %s@%s -> %s; root hops=%d(%v) main: %s %d hops %+ds existed=%v %s; %s%s => %s",
		x.tr.ID, x.tr.Root, svc, n.StartsAt.Sub(x.tr.Onset).Round(time.Second), dest, rootHops, rootOK, bestDir, best, int(gap.Seconds()), existed, vsMain, rootState, evs, reason)
}

// destination names where the fragment ended: alone, with noise only, or
// in another fault's page.
func (x frag) destination(s *alertscenario.Scenario, eps []int) string {
	d := "alone"
	for _, o := range eps {
		tr := s.Truths[s.EpisodeTruth[o]]
		switch {
		case tr.ID == x.tr.ID:
		case tr.Kind == "fault":
			return "other-fault"
		default:
			d = "with-noise"
		}
	}
	if len(eps) > 1 && d == "alone" {
		d = "own-fragment"
	}
	return d
}

// fragReason guesses the relation rule that kept the fragment apart.
func fragReason(rootOK bool, rootHops, best int, gap time.Duration, existed bool) string {
	switch {
	case !rootOK:
		return "root not reachable (graph)"
	case best > 3:
		return "main page beyond max_hops"
	case !existed:
		return "main page opened after it"
	case gap > 90*time.Second || gap < -2*time.Minute:
		return "onset window"
	default:
		return "related within hops and window (burst/evidence/veto)"
	}
}

// placeKind is a placement without its numbers and relation details.
func placeKind(p string) string {
	if i := strings.Index(p, " || "); i >= 0 {
		p = p[:i]
	}
	if i := strings.Index(p, " ["); i >= 0 {
		p = p[:i]
	}
	var b []rune
	for _, r := range p {
		if r >= '0' && r <= '9' || r == '+' || r == '-' {
			continue
		}
		b = append(b, r)
	}
	return string(b)
}

// burstTally counts every alert the burst rule isolated (or kept: "[joined")
// by its truth and whether its best relation was to its own fault (the
// candidate's root an earlier alerting service of the same fault), with
// the relation's features (burstDetail) minus the root's name.
func burstTally(s *alertscenario.Scenario, placed map[int]string, tally map[string]int) {
	alerted := map[int]map[string]bool{}
	for _, n := range s.Notifications {
		tid := s.EpisodeTruth[n.Episode]
		if alerted[tid] == nil {
			alerted[tid] = map[string]bool{}
		}
		p := placed[n.Episode]
		if strings.HasPrefix(p, "joined in a burst") {
			// Kept in a burst: tallied by the same verdict, as "[joined".
			p = "burst [joined " + p[strings.Index(p, " [")+2:]
		}
		if i := strings.Index(p, "burst ["); i >= 0 && n.State == "firing" && !alerted[tid][n.Service+"#"+fmt.Sprint(n.Episode)] {
			alerted[tid][n.Service+"#"+fmt.Sprint(n.Episode)] = true
			j := strings.LastIndex(p, " root=")
			root := strings.TrimSuffix(p[j+6:], "]")
			tr := s.Truths[tid]
			verdict := tr.Kind
			if tr.Kind == "fault" {
				verdict = "fault-other"
				if alerted[tid][root] {
					verdict = "fault-own"
				}
			}
			tally[fmt.Sprintf("burst %-11s %s", verdict, p[i+6:j])]++
		}
		alerted[tid][n.Service] = true
	}
}

// firstNotifications maps each episode to its first notification.
func firstNotifications(s *alertscenario.Scenario) map[int]alertscenario.Notification {
	first := map[int]alertscenario.Notification{}
	for _, n := range s.Notifications {
		if _, ok := first[n.Episode]; !ok {
			first[n.Episode] = n
		}
	}
	return first
}

// edgeOnsets is what a symptom join into another fault's incident read at
// its first firing, when its calls failed toward both its own fault's
// root and the joined incident's root: the alert's onset, when it was
// read, and when each edge began failing (FailingSince; zero: no path).
type edgeOnsets struct {
	svc, own, other    string
	onset, read        time.Time
	ownSince, otherSin time.Time
	// ownPath and otherPath: PathFailingSince toward each root.
	ownPath, otherPath time.Time
	// ownShare and otherShare: FailingShare toward each root at the
	// alert's onset (seventy-second pass); shareRead false without one.
	ownShare, otherShare float64
	shareRead            bool
}

// readEdgeOnsets reads an alert's edge onsets right after its first firing
// joined an incident as a symptom: only for a fault alert whose incident's
// root alert is another fault's, with Link Linked toward both roots.
func readEdgeOnsets(e *correlate.Engine, tk *evidence.Tracker, s *alertscenario.Scenario, epOf map[string]int, n alertscenario.Notification, fp string) (edgeOnsets, bool) {
	tr := s.Truths[s.EpisodeTruth[n.Episode]]
	snap, ok := e.Incident(e.IncidentOf(fp), n.At)
	rep, known := epOf[snap.RootFingerprint]
	if tr.Kind != "fault" || !ok || !known {
		return edgeOnsets{}, false
	}
	rt := s.Truths[s.EpisodeTruth[rep]]
	svc, other := n.Service, snap.RootService
	if rt.Kind != "fault" || rt.ID == tr.ID || svc == tr.Root || svc == other ||
		tk.Link(svc, tr.Root, 3, n.At) != evidence.Linked || tk.Link(svc, other, 3, n.At) != evidence.Linked {
		return edgeOnsets{}, false
	}
	o := edgeOnsets{svc: svc, own: tr.Root, other: other, onset: n.StartsAt, read: n.At}
	o.ownSince, _ = tk.FailingSince(svc, tr.Root, 3, n.At)
	o.otherSin, _ = tk.FailingSince(svc, other, 3, n.At)
	o.ownPath, _ = tk.PathFailingSince(svc, tr.Root, 3, n.At)
	o.otherPath, _ = tk.PathFailingSince(svc, other, 3, n.At)
	o.ownShare, o.shareRead = tk.FailingShare(svc, tr.Root, 3, n.StartsAt, n.At)
	o.otherShare, _ = tk.FailingShare(svc, other, 3, n.StartsAt, n.At)
	return o, true
}

// verdict says which edge began failing nearer before the alert's onset
// (a since at or before it; the nearer one is the later): "own nearer",
// "other nearer", "same bucket", or why neither is.
func (o edgeOnsets) verdict() string { return nearer(o.onset, o.ownSince, o.otherSin) }

// shareVerdict says toward which root the larger share of the alert's
// failing calls went at its onset, and the margin's bin.
func (o edgeOnsets) shareVerdict() string {
	switch {
	case !o.shareRead:
		return "no reading"
	case o.ownShare > o.otherShare:
		return "own larger, margin " + marginBin(o.ownShare-o.otherShare)
	case o.otherShare > o.ownShare:
		return "other larger, margin " + marginBin(o.otherShare-o.ownShare)
	}
	return "equal"
}

// pathVerdict is verdict on the PathFailingSince readings.
func (o edgeOnsets) pathVerdict() string { return nearer(o.onset, o.ownPath, o.otherPath) }

func nearer(onset, own, other time.Time) string {
	before := func(t time.Time) bool { return !t.IsZero() && !t.After(onset) }
	ob, xb := before(own), before(other)
	switch {
	case ob && xb && own.Equal(other):
		return "same bucket"
	case ob && (!xb || own.After(other)):
		return "own nearer"
	case xb:
		return "other nearer"
	}
	return "neither began before the onset"
}

func (o edgeOnsets) String() string {
	rel := func(t time.Time) string {
		if t.IsZero() {
			return "none"
		}
		return fmt.Sprintf("%+ds", int(t.Sub(o.onset).Seconds()))
	}
	return fmt.Sprintf("edge onsets %s (alert onset, read %+ds): toward own root %s %s (path %s, share %.2f), toward joined root %s %s (path %s, share %.2f) => first edge: %s; path: %s; share: %s",
		o.svc, int(o.read.Sub(o.onset).Seconds()), o.own, rel(o.ownSince), rel(o.ownPath), o.ownShare, o.other, rel(o.otherSin), rel(o.otherPath), o.otherShare, o.verdict(), o.pathVerdict(), o.shareVerdict())
}
