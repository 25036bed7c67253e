package eval

import (
	"fmt"
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

// TestRootWrongDiag sorts every fault whose main page does not name its
// root first (EVAL_ROOTWRONG_DIAG=<part of a family name>|tuning; tuning
// families only; EVAL_TRACES, EVAL_SEED, EVAL_SECOND_ALERTS apply) by
// what happened, and says for each what the spans showed:
//   - unpaged: none of the fault's alerts in a page;
//   - root silent: the root never alerted for this fault;
//   - root elsewhere: the root alerted, but its alert's last page is
//     another one (its own fragment, another fault's page, a noise page)
//     or none;
//   - named instead: the root is in the page, ranked after a caller, a
//     dependency or an unrelated service, whose alerts are the fault's
//     own symptom, another fault's root or symptom, or noise; with the
//     rank key that decided (rank.go's, read from the engine when the
//     scored ranking was emitted: vague, origin, callers, deps, onset).
//
// The scored ranking is the one shown when the page was at its largest
// (replay.handle). For it the diagnostic prints both services' span
// readings then (origin share and whether anomalous, self-time share
// when latency originates there, errors not explained by failing calls,
// quiet), whether the spans linked the named service's failures to the
// root, and whether a later re-ranking would have named the root: the
// engine's ranking of the page, read every 5 s while it stayed open
// (RankDetail), named the root first at some later instant, and whether
// it still did when the page resolved. EVAL_ROOTWRONG_LINES=1 prints one
// line per fault as well.
func TestRootWrongDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_ROOTWRONG_DIAG") {
		rec := &rootRec{fpEp: map[string]int{}, hist: map[string][]rootEvent{}, open: map[string]bool{}, later: map[string][]rankSample{}}
		s, out := rec.run(t, f)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		rec.s = s
		sc := alertscenario.Evaluate(s, out)
		tally, spans := map[string]int{}, map[string]int{}
		for _, tr := range s.Truths {
			if tr.Kind != "fault" || firstEp(s, tr.ID) < 0 {
				continue
			}
			kind, reading, line := rec.classify(out, g, tr)
			tally[kind]++
			if reading != "" {
				spans[reading]++
			}
			if line != "" && envOn("EVAL_ROOTWRONG_LINES") {
				fmt.Println(line)
			}
		}
		fmt.Printf("== %s F1 %.3f AC@1 %.2f AC@3 %.2f\n", f.Spec.Name, sc.F1, sc.AC1, sc.AC3)
		printTally(tally)
		fmt.Println("-- the wrong ones by what the spans showed at the record, and later")
		printTally(spans)
		fmt.Println("-- pages that are the main page of two faults or more, by how many of them it names")
		printTally(sharedPages(s, out))
	}
}

// rootReading is what the tracker said of a service at an instant.
type rootReading struct {
	origins, spans int
	rate           float64 // origin share
	anomalous      bool
	slow           float64 // self-time share when latency originates there, else 0
	unexplained    bool
	quiet          bool
}

func (r rootReading) String() string {
	s := fmt.Sprintf("%d/%d", r.origins, r.spans)
	if r.anomalous {
		s += fmt.Sprintf(" origin %.2f", r.rate)
	}
	if r.slow > 0 {
		s += fmt.Sprintf(" slow %.2f", r.slow)
	}
	if r.unexplained {
		s += " own"
	}
	if r.quiet {
		s += " quiet"
	}
	return s
}

func readRoot(tk *evidence.Tracker, svc string, at time.Time) rootReading {
	if tk == nil {
		return rootReading{}
	}
	o := tk.Origin(svc, at)
	r := rootReading{origins: o.Origins, spans: o.Spans, rate: o.Rate, anomalous: o.Anomalous,
		unexplained: tk.Unexplained(svc, at), quiet: tk.Quiet(svc, at)}
	if sl := tk.SlowOrigin(svc, at); sl.Anomalous {
		r.slow = sl.Rate
	}
	return r
}

// rootEvent is one emitted record of a page, with the engine's keys then.
type rootEvent struct {
	at      time.Time
	state   string
	ranking []string
	firing  int
	keys    []correlate.RankKey
	speak   bool
	reads   map[string]rootReading // its top and its faults' roots
	linked  map[string]bool        // top's failures reach the root (Link)
}

// rankSample is the engine's ranking of an open page at a later instant.
type rankSample struct {
	at  time.Time
	top string
}

// rootRec records a replay for TestRootWrongDiag.
type rootRec struct {
	s     *alertscenario.Scenario
	tk    *evidence.Tracker
	eng   *correlate.Engine
	fpEp  map[string]int
	hist  map[string][]rootEvent
	open  map[string]bool // paged, not yet resolved
	later map[string][]rankSample
	next  time.Time
}

func (rec *rootRec) run(t *testing.T, f Family) (*alertscenario.Scenario, alertscenario.Outcome) {
	return rec.runEmitting(t, f, rec.emitted)
}

// runEmitting is run with emitted hearing the engine's records (a
// recorder that embeds rootRec passes its own).
func (rec *rootRec) runEmitting(t *testing.T, f Family, emitted func(time.Time, []correlate.Event)) (*alertscenario.Scenario, alertscenario.Outcome) {
	s := flatDraw(alertscenario.GenerateFamily(f.Spec))
	rec.s = s
	g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid(), Ingested: rec.ingested,
		Emitted: emitted, Advanced: rec.advanced}
	opts.Traces = envTraceStream(t, s, f)
	if opts.Traces != nil {
		rec.tk = evidence.New(EvidenceConfig())
		opts.Evidence = rec.tk
	}
	return s, Run(s, g, cfg, opts)
}

func (rec *rootRec) ingested(e *correlate.Engine, n alertscenario.Notification, fp string) {
	rec.eng, rec.fpEp[fp] = e, n.Episode
}

func (rec *rootRec) emitted(at time.Time, evs []correlate.Event) {
	for _, ev := range evs {
		id := ev.Incident.ID
		re := rootEvent{at: at, state: ev.State, ranking: slices.Clone(ev.Incident.Ranking), firing: len(ev.Incident.Firing),
			reads: map[string]rootReading{}, linked: map[string]bool{}}
		if ev.State == alertconv.IncidentResolved {
			delete(rec.open, id)
		} else {
			rec.open[id] = true
			re.keys, re.speak = rec.eng.RankDetail(id)
		}
		var top string
		if len(re.ranking) > 0 {
			top = re.ranking[0]
			re.reads[top] = readRoot(rec.tk, top, at)
		}
		for _, fp := range ev.Incident.Firing {
			ep, ok := rec.fpEp[fp]
			if !ok {
				continue
			}
			tr := rec.s.Truths[rec.s.EpisodeTruth[ep]]
			if tr.Kind != "fault" {
				continue
			}
			if _, done := re.reads[tr.Root]; !done {
				re.reads[tr.Root] = readRoot(rec.tk, tr.Root, at)
				if rec.tk != nil && top != "" && top != tr.Root {
					re.linked[tr.Root] = rec.tk.Link(top, tr.Root, 3, at) == evidence.Linked
				}
			}
		}
		rec.hist[id] = append(rec.hist[id], re)
	}
}

// advanced samples the engine's ranking of every open page every 5 s.
func (rec *rootRec) advanced(e *correlate.Engine, at time.Time) {
	if at.Before(rec.next) {
		return
	}
	rec.next = at.Add(5 * time.Second)
	for id := range rec.open {
		if keys, _ := e.RankDetail(id); len(keys) > 0 {
			rec.later[id] = append(rec.later[id], rankSample{at: at, top: keys[0].Service})
		}
	}
}

// scored is the page's record whose ranking the score reads (the last at
// its largest, as replay.handle keeps it).
func (rec *rootRec) scored(id string) (rootEvent, bool) {
	var best rootEvent
	widest, ok := 0, false
	for _, re := range rec.hist[id] {
		if re.state != alertconv.IncidentResolved && re.firing >= widest {
			widest, best, ok = re.firing, re, true
		}
	}
	return best, ok
}

// classify sorts one fault; "ok" when its page names its root first.
// It returns the class, the spans' reading (with traces) and a line.
func (rec *rootRec) classify(out alertscenario.Outcome, g *topology.Graph, tr alertscenario.Truth) (kind, reading, line string) {
	s := rec.s
	best := out.MainGroup(s, tr.ID)
	if best == "" {
		return "unpaged", "", fmt.Sprintf("fault %d root=%s unpaged", tr.ID, tr.Root)
	}
	r := out.Ranking[best]
	if len(r) > 0 && r[0] == tr.Root {
		return "ok", "", ""
	}
	top := ""
	if len(r) > 0 {
		top = r[0]
	}
	re, _ := rec.scored(best)
	rootOnset, rootWhere := rec.rootAlerts(out, tr, best)
	topOnset := rec.firstOnsetIn(out, best, top)
	when := "root never alerted"
	if !rootOnset.IsZero() {
		when = fmt.Sprintf("root alerted at +%s (top at +%s)", rootOnset.Sub(tr.Onset).Round(time.Second), topOnset.Sub(tr.Onset).Round(time.Second))
	}
	spans := fmt.Sprintf("spans at record +%s: root %s; top %s; top->root linked %v; speak %v",
		re.at.Sub(tr.Onset).Round(time.Second), re.reads[tr.Root], re.reads[top], re.linked[tr.Root], re.speak)
	fix := rec.laterFix(best, re.at, tr.Root)
	shared := rec.sharedMain(out, best)
	switch {
	case rootOnset.IsZero():
		kind = "root silent"
	case !slices.Contains(r, tr.Root):
		kind = fmt.Sprintf("root elsewhere: %s; top %s", rootWhere, truthKindOf(s, out, best, top, tr))
	default:
		kind = fmt.Sprintf("named instead: %s, %s, %s", relation(g, tr.Root, top), truthKindOf(s, out, best, top, tr), decidingRankKey(re.keys, top, tr.Root))
	}
	if shared > 1 {
		kind += fmt.Sprintf("; page main for %d faults", shared)
	}
	if rec.tk != nil {
		rr, tt := re.reads[tr.Root], re.reads[top]
		reading = fmt.Sprintf("root origin %v, top origin %v, later %s",
			rr.anomalous || rr.slow > 0, tt.anomalous || tt.slow > 0, fix)
	}
	line = fmt.Sprintf("fault %d root=%s top=%s [%s] %s; %s; later %s; rank=%v", tr.ID, tr.Root, top, kind, when, spans, fix, r[:min(5, len(r))])
	return kind, reading, line
}

// sharedMain counts the faults whose main page is page g: only one of
// them can have its root named first there.
func (rec *rootRec) sharedMain(out alertscenario.Outcome, g string) int {
	n := 0
	for _, tr := range rec.s.Truths {
		if tr.Kind == "fault" && out.MainGroup(rec.s, tr.ID) == g {
			n++
		}
	}
	return n
}

// sharedPages tallies the pages that are the main page of two faults or
// more by how many of those faults' roots they name first (at most one
// can be): "k faults, 0 named" pages are where a ranking could still
// gain; "k faults, 1 named" pages lose k-1 faults whatever it names.
func sharedPages(s *alertscenario.Scenario, out alertscenario.Outcome) map[string]int {
	faults, named := map[string]int{}, map[string]int{}
	for _, tr := range s.Truths {
		if tr.Kind != "fault" || firstEp(s, tr.ID) < 0 {
			continue
		}
		g := out.MainGroup(s, tr.ID)
		if g == "" {
			continue
		}
		faults[g]++
		if r := out.Ranking[g]; len(r) > 0 && r[0] == tr.Root {
			named[g]++
		}
	}
	tally := map[string]int{}
	for g, k := range faults {
		if k > 1 {
			tally[fmt.Sprintf("%d faults, %d named", k, named[g])]++
		}
	}
	return tally
}

// relation names what top is to root in the graph.
func relation(g *topology.Graph, root, top string) string {
	if h, ok := g.Hops(root, top, 3); ok {
		return fmt.Sprintf("dependency (%d hops below)", h)
	}
	if h, ok := g.Hops(top, root, 3); ok {
		return fmt.Sprintf("caller (%d hops above)", h)
	}
	return "unrelated"
}

// decidingRankKey names compareRank's first key that put top before root.
func decidingRankKey(keys []correlate.RankKey, top, root string) string {
	var a, b *correlate.RankKey
	for i := range keys {
		switch keys[i].Service {
		case top:
			a = &keys[i]
		case root:
			b = &keys[i]
		}
	}
	switch {
	case a == nil || b == nil:
		return "key unknown"
	case a.Vague != b.Vague:
		return "root vague"
	case a.Origin != b.Origin:
		return fmt.Sprintf("origin %.2f > %.2f", a.Origin, b.Origin)
	case a.ThroughOne != b.ThroughOne:
		return "root shown through one caller"
	case a.Callers != b.Callers:
		return fmt.Sprintf("callers %d > %d", a.Callers, b.Callers)
	case a.Deps != b.Deps:
		return fmt.Sprintf("deps %d < %d", a.Deps, b.Deps)
	}
	return "onset/severity"
}

// rootAlerts returns the root's first onset for the fault and where its
// alerts' episodes last paged, as seen from page best.
func (rec *rootRec) rootAlerts(out alertscenario.Outcome, tr alertscenario.Truth, best string) (time.Time, string) {
	s := rec.s
	var onset time.Time
	var where []string
	for _, n := range s.Notifications {
		if n.Service != tr.Root || s.EpisodeTruth[n.Episode] != tr.ID {
			continue
		}
		if onset.IsZero() || n.StartsAt.Before(onset) {
			onset = n.StartsAt
		}
		w := "never paged"
		if g, ok := out.Assign[n.Episode]; ok {
			w = rec.pageKind(out, g, best, tr)
		}
		if !slices.Contains(where, w) {
			where = append(where, w)
		}
	}
	slices.Sort(where)
	return onset, strings.Join(where, "+")
}

// pageKind names page g as seen from fault tr's main page best.
func (rec *rootRec) pageKind(out alertscenario.Outcome, g, best string, tr alertscenario.Truth) string {
	if g == best {
		return "this page (not ranked)"
	}
	count := map[int]int{}
	for ep, pg := range out.Assign {
		if pg == g {
			count[rec.s.EpisodeTruth[ep]]++
		}
	}
	maj, n := -1, 0
	for tid, c := range count {
		if c > n || (c == n && tid < maj) {
			maj, n = tid, c
		}
	}
	switch o := rec.s.Truths[maj]; {
	case o.ID == tr.ID:
		return "a fragment of its own fault"
	case o.Kind == "fault":
		return "another fault's page"
	default:
		return "a " + o.Kind + " page"
	}
}

// firstOnsetIn is svc's first onset among page g's alerts.
func (rec *rootRec) firstOnsetIn(out alertscenario.Outcome, g, svc string) time.Time {
	for _, n := range rec.s.Notifications {
		if n.Service == svc && out.Assign[n.Episode] == g {
			return n.StartsAt
		}
	}
	return time.Time{}
}

// laterFix says whether the engine's ranking of page id, read after the
// scored record, named root first: "never", "at +d, kept" (still at the
// last reading) or "at +d, lost".
func (rec *rootRec) laterFix(id string, after time.Time, root string) string {
	var first time.Time
	last := ""
	for _, smp := range rec.later[id] {
		if !smp.at.After(after) {
			continue
		}
		if smp.top == root && first.IsZero() {
			first = smp.at
		}
		last = smp.top
	}
	switch {
	case first.IsZero():
		return "never"
	case last == root:
		return fmt.Sprintf("named %s after, kept", bucketDur(first.Sub(after)))
	}
	return fmt.Sprintf("named %s after, lost", bucketDur(first.Sub(after)))
}

// bucketDur coarsens a delay for the tally.
func bucketDur(d time.Duration) string {
	switch {
	case d <= 15*time.Second:
		return "<=15s"
	case d <= time.Minute:
		return "<=1m"
	}
	return ">1m"
}
