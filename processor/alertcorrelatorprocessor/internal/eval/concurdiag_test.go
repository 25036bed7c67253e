package eval

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestConcurDiag (EVAL_CONCUR_DIAG=<part of a family name>, EVAL_TRACES=1
// for the traced run; tuning families only) follows every fault alert
// that ended in a page another fault holds the most of: how it got into
// that page (joined it at its first firing, with the engine's JoinDetail;
// or its incident was merged into it, or it was moved into it, at an
// ingest or an Advance, with the engine counters that moved then and the
// uniting alert's note), and what the traces said at that instant of its
// own fault's root and of the page's fault's root: an origin
// (evidence.Origin), a cause of its own (Unexplained), the link from the
// alert's service to it, and whether and where the root had alerted.
func TestConcurDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_CONCUR_DIAG") {
		tk := evidence.New(EvidenceConfig())
		c := &concurTrack{tk: tk, inc: map[string]string{}, ep: map[string]int{}, events: map[int][]concurEvent{}, line: map[int][]rootSample{}, epLine: map[int][]epSample{}}
		var s *alertscenario.Scenario
		s, out := concurRun(t, f, tk, c)
		c.s = s
		fmt.Println("==", f.Spec.Name)
		c.report(out)
	}
}

// concurEvent is one step of an alert into an incident.
type concurEvent struct {
	at       time.Time
	inc, how string
	// from is the incident it left for this one (a move; empty for a
	// first firing)
	from string
	// reading of the roots at that instant, by fault id
	read map[int]string
}

// concurTrack follows every alert's incident through a replay.
type concurTrack struct {
	s      *alertscenario.Scenario
	tk     *evidence.Tracker
	inc    map[string]string // fp -> incident last seen
	ep     map[string]int    // fp -> episode
	events map[int][]concurEvent
	stats  correlate.Stats
	unite  []string
	// line: every 5 s of the replay, each recent fault root's reading
	// (fifty-fifth pass): a cause of its own, and the other recent
	// roots its failing calls lead to.
	line map[int][]rootSample
	last time.Time
	// epLine: every 5 s, each fault episode's service's link to every
	// recent fault's root
	epLine map[int][]epSample
}

// epSample is one alert's reading toward every recent fault's root.
type epSample struct {
	at    time.Time
	links map[int]evidence.Link
}

// rootSample is one fault root's reading at one instant.
type rootSample struct {
	at    time.Time
	cause bool         // Unexplained or latency originating there
	links map[int]bool // other recent fault's id -> Linked toward its root
}

func concurRun(t *testing.T, f Family, tk *evidence.Tracker, c *concurTrack) (*alertscenario.Scenario, alertscenario.Outcome) {
	s := flatDraw(alertscenario.GenerateFamily(f.Spec))
	c.s = s
	g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	hooked := false
	opts := Options{ServiceLabel: f.ServiceLabel, Evidence: tk, FixedGrid: fixedGrid()}
	opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
		if !hooked {
			hooked = true
			e.OnUnite(func(u correlate.UniteNote) {
				c.unite = append(c.unite, fmt.Sprintf("unite-by=%s", serviceOf(s, u.Alert.Fingerprint)))
			})
		}
		_, seen := c.ep[fp]
		if n.State == "firing" && (!seen || c.ep[fp] != n.Episode) {
			c.ep[fp] = n.Episode
			id := e.IncidentOf(fp)
			how := "open"
			if d := e.JoinDetail(fp, n.At); d != "" {
				how = "join " + d
			}
			c.inc[fp] = id
			c.events[n.Episode] = append(c.events[n.Episode], concurEvent{at: n.At, inc: id, how: how, read: c.readRoots(e, n.Service, n.At)})
		}
		c.follow(e, n.At, "ingest:"+n.Service)
	}
	opts.Advanced = func(e *correlate.Engine, at time.Time) {
		c.follow(e, at, "advance")
		c.sample(at)
	}
	opts.Traces = envTraceStream(t, s, f)
	return s, Run(s, g, cfg, opts)
}

// follow records every alert whose incident changed since the last look.
func (c *concurTrack) follow(e *correlate.Engine, at time.Time, where string) {
	st := e.Stats()
	cause := where
	for _, d := range []struct {
		name string
		a, b uint64
	}{
		{"moved", c.stats.EvidenceMoved, st.EvidenceMoved}, {"detached", c.stats.EvidenceDetached, st.EvidenceDetached},
		{"merged", c.stats.Merged, st.Merged},
	} {
		if d.b > d.a {
			cause += fmt.Sprintf(" %s+%d", d.name, d.b-d.a)
		}
	}
	if len(c.unite) > 0 {
		cause += " " + strings.Join(c.unite, ",")
	}
	c.stats, c.unite = st, c.unite[:0]
	for fp, old := range c.inc {
		id := e.IncidentOf(fp)
		if id == old || id == "" {
			continue
		}
		c.inc[fp] = id
		how := cause
		if _, ok := e.Incident(old, at); !ok {
			how += " whole(" + old + ")"
		}
		ep := c.ep[fp]
		svc := firstService(c.s, ep)
		c.events[ep] = append(c.events[ep], concurEvent{at: at, inc: id, how: how, read: c.readRoots(e, svc, at)})
	}
}

// sample records, every 5 s, each recent fault root's reading.
func (c *concurTrack) sample(at time.Time) {
	if at.Sub(c.last) < 5*time.Second {
		return
	}
	c.last = at
	var recent []int
	for _, tr := range c.s.Truths {
		if tr.Kind == "fault" && !tr.Onset.After(at) && at.Sub(tr.Onset) <= 5*time.Minute {
			recent = append(recent, tr.ID)
		}
	}
	hops := engineConfig().MaxHops
	for _, a := range recent {
		ra := c.s.Truths[a].Root
		rs := rootSample{at: at, cause: c.tk.Unexplained(ra, at) || c.tk.SlowOrigin(ra, at).Anomalous, links: map[int]bool{}}
		for _, b := range recent {
			if rb := c.s.Truths[b].Root; b != a && rb != ra {
				rs.links[b] = c.tk.Link(ra, rb, hops, at) == evidence.Linked
			}
		}
		c.line[a] = append(c.line[a], rs)
	}
	for _, ep := range c.ep {
		tr := c.s.Truths[c.s.EpisodeTruth[ep]]
		if tr.Kind != "fault" || at.Sub(tr.Onset) > 5*time.Minute {
			continue
		}
		es := epSample{at: at, links: map[int]evidence.Link{}}
		svc := firstService(c.s, ep)
		for _, b := range recent {
			es.links[b] = c.tk.Link(svc, c.s.Truths[b].Root, hops, at)
		}
		c.epLine[ep] = append(c.epLine[ep], es)
	}
}

// ownOnlyAt is the first sample within three minutes from at where
// episode ep's service's failing calls lead to its own fault's root
// and not to the other's, the two roots apart (apartAt's reading).
func (c *concurTrack) ownOnlyAt(ep, own, other int, at time.Time) (time.Duration, bool) {
	for _, r := range c.epLine[ep] {
		if r.at.Before(at) || r.at.Sub(at) > 3*time.Minute {
			continue
		}
		if r.links[own] == evidence.Linked && r.links[other] != evidence.Linked {
			return r.at.Sub(at), true
		}
	}
	return 0, false
}

// apartAt is the first sample within three minutes from at where both
// roots read causes of their own and neither's failing calls lead to
// the other: two independent origins.
func (c *concurTrack) apartAt(own, other int, at time.Time) (time.Duration, bool) {
	find := func(id int, t time.Time) (rootSample, bool) {
		for _, r := range c.line[id] {
			if r.at.Equal(t) {
				return r, true
			}
		}
		return rootSample{}, false
	}
	for _, r := range c.line[own] {
		if r.at.Before(at) || r.at.Sub(at) > 3*time.Minute {
			continue
		}
		o, ok := find(other, r.at)
		if ok && r.cause && o.cause && !r.links[other] && !o.links[own] {
			return r.at.Sub(at), true
		}
	}
	return 0, false
}

// unlinkedOther reports whether, within three minutes from at, episode
// ep's service read Linked toward fault to's root and Unlinked (well
// observed, healthy) toward fault from's, the two roots apart then.
func (c *concurTrack) unlinkedOther(ep, to, from int, at time.Time) bool {
	for _, r := range c.epLine[ep] {
		if r.at.Before(at) || r.at.Sub(at) > 3*time.Minute {
			continue
		}
		if r.links[to] == evidence.Linked && r.links[from] == evidence.Unlinked && c.apartNow(to, from, r.at) {
			return true
		}
	}
	return false
}

// apartNow reports whether a's and b's roots read apart (apartAt) at
// the sample taken at t.
func (c *concurTrack) apartNow(a, b int, t time.Time) bool {
	d, ok := c.apartAt(a, b, t)
	return ok && d == 0
}

// readRoots reads, for every fault begun in the last five minutes, its
// root: O origin, U unexplained, S latency originating there, L link from svc, A whether it alerted
// (and in which incident).
func (c *concurTrack) readRoots(e *correlate.Engine, svc string, at time.Time) map[int]string {
	out := map[int]string{}
	for _, tr := range c.s.Truths {
		if tr.Kind != "fault" || tr.Onset.After(at) || at.Sub(tr.Onset) > 5*time.Minute {
			continue
		}
		a := "-"
		for fp, ep := range c.ep {
			if c.s.EpisodeTruth[ep] == tr.ID && firstService(c.s, ep) == tr.Root {
				a = e.IncidentOf(fp)
				break
			}
		}
		out[tr.ID] = fmt.Sprintf("O=%v U=%v S=%v L=%d A=%s", c.tk.Origin(tr.Root, at).Anomalous, c.tk.Unexplained(tr.Root, at),
			c.tk.SlowOrigin(tr.Root, at).Anomalous, c.tk.Link(svc, tr.Root, engineConfig().MaxHops, at), a)
	}
	return out
}

// report prints, for each fault alert in a page another fault holds the
// most of, the step that brought it into that page and the tally.
func (c *concurTrack) report(out alertscenario.Outcome) {
	s := c.s
	major := pageMajority(s, out)
	tally := map[string]int{}
	merged := map[string]bool{}
	eps := slices.Sorted(func(yield func(int) bool) {
		for ep := range out.Assign {
			if !yield(ep) {
				return
			}
		}
	})
	for _, ep := range eps {
		page := out.Assign[ep]
		tr := s.Truths[s.EpisodeTruth[ep]]
		maj, ok := major[page]
		if ok && tr.Kind == "fault" && maj == tr.ID {
			c.priceSide(ep, tr.ID, tally)
		}
		if !ok || tr.Kind != "fault" || maj == tr.ID {
			continue
		}
		merged[page] = true
		ev := c.entry(ep, page)
		kind := strings.Fields(ev.how)[0]
		if kind == "advance" || strings.HasPrefix(kind, "ingest") {
			kind = ev.how
			if i := strings.Index(kind, " whole("); i >= 0 {
				kind = kind[:i] + " whole"
			}
			if strings.HasPrefix(kind, "ingest:") {
				kind = "ingest" + kind[strings.Index(kind, " "):]
			}
		}
		own, other := ev.read[tr.ID], ev.read[maj]
		how := ev.how
		if ev.from != "" {
			how += " from=" + ev.from
		}
		fmt.Printf("ASTRAY f%d(root %s) in f%d(root %s) page %s: %s at +%s [%s]\n    own:   %s\n    other: %s\n",
			tr.ID, tr.Root, maj, s.Truths[maj].Root, page, firstService(s, ep), ev.at.Sub(tr.Onset).Round(time.Second), how, own, other)
		onRoot := firstService(s, ep) == tr.Root
		apart := "never apart within 3m"
		if d, ok := c.apartAt(tr.ID, maj, ev.at); ok {
			apart = fmt.Sprintf("apart at +%s", d.Round(time.Second))
			tally["apart within 3m"]++
			if d < 5*time.Second {
				tally["apart within 5s of entry"]++
			}
			if onRoot {
				tally["apart, alert on own root"]++
			}
		}
		sep := "never linked to own only"
		if d, ok := c.ownOnlyAt(ep, tr.ID, maj, ev.at); ok && !onRoot {
			sep = fmt.Sprintf("linked to own only at +%s", d.Round(time.Second))
			tally["linked own only within 3m"]++
			if c.apartNow(tr.ID, maj, ev.at.Add(d)) {
				tally["linked own only within 3m, roots apart then"]++
			}
			if c.unlinkedOther(ep, tr.ID, maj, ev.at) {
				tally["linked own, unlinked other, roots apart then"]++
			}
		}
		fmt.Printf("    %s onroot=%v %s\n", apart, onRoot, sep)
		if onRoot && kind == "open" {
			c.majoritySide(ep, page, maj, out, tally)
		}
		tally["by "+kind]++
		if onRoot {
			tally["alert on own root"]++
		}
		if f := strings.Fields(own); len(f) >= 4 {
			tally["own root at entry "+strings.Join(f[:4], " ")]++
		}
	}
	tally["pages merging faults"] = len(merged)
	c.pairs(out, major, tally)
	printTally(tally)
}

// majoritySide prints how the page's fault's alerts came into page, an
// incident ep (a root's alert) opened, and what their services' calls
// read toward ep's root and toward their own root as they came.
func (c *concurTrack) majoritySide(ep int, page string, maj int, out alertscenario.Outcome, tally map[string]int) {
	own := c.s.EpisodeTruth[ep]
	for _, e2 := range slices.Sorted(maps.Keys(out.Assign)) {
		if out.Assign[e2] != page || c.s.EpisodeTruth[e2] != maj {
			continue
		}
		ev := c.entry(e2, page)
		how := ev.how
		if len(how) > 110 {
			how = how[:110]
		}
		fmt.Printf("      MAJ %s at +%s [%s]\n        toward own root %s\n        toward page's opener %s\n", firstService(c.s, e2),
			ev.at.Sub(c.s.Truths[maj].Onset).Round(time.Second), how, ev.read[maj], ev.read[own])
		tally["majority alerts in a page a root opened, by "+strings.Fields(ev.how)[0]+" "+strings.Fields(ev.how + " x")[1]]++
	}
}

// priceSide counts a fault's alert in its own fault's page (not on its
// root) whose failing calls, within three minutes of its first firing,
// lead to another recent fault's root (apart from its own) and not to its
// own: what a rule moving such alerts would take wrongly.
func (c *concurTrack) priceSide(ep, own int, tally map[string]int) {
	if firstService(c.s, ep) == c.s.Truths[own].Root {
		return
	}
	tally["members (not on root)"]++
	evs := c.events[ep]
	if len(evs) == 0 {
		return
	}
	for _, r := range c.epLine[ep] {
		if r.at.Before(evs[0].at) || r.at.Sub(evs[0].at) > 3*time.Minute {
			continue
		}
		for b, l := range r.links {
			if b == own || l != evidence.Linked || r.links[own] == evidence.Linked {
				continue
			}
			tally["members linked to another only within 3m"]++
			if c.apartNow(b, own, r.at) {
				tally["members linked to another only within 3m, roots apart then"]++
			}
			if c.unlinkedOther(ep, b, own, evs[0].at) {
				tally["members linked to another, unlinked own, roots apart then"]++
			}
			return
		}
	}
}

// entry is the step that put episode ep into page: the last one whose
// incident is page (its first firing, or a later move).
func (c *concurTrack) entry(ep int, page string) concurEvent {
	evs := c.events[ep]
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].inc == page && (i == 0 || evs[i-1].inc != page) {
			ev := evs[i]
			if i > 0 {
				ev.from = evs[i-1].inc
			}
			return ev
		}
	}
	if len(evs) > 0 {
		return concurEvent{at: evs[0].at, how: "unknown(final " + evs[len(evs)-1].inc + ")", read: evs[0].read}
	}
	return concurEvent{how: "none", read: map[int]string{}}
}
