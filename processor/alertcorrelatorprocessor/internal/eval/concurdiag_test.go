package eval

import (
	"fmt"
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
		c := &concurTrack{tk: tk, inc: map[string]string{}, ep: map[string]int{}, events: map[int][]concurEvent{}}
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
	opts.Advanced = func(e *correlate.Engine, at time.Time) { c.follow(e, at, "advance") }
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
		tally["by "+kind]++
		if f := strings.Fields(own); len(f) >= 4 {
			tally["own root at entry "+strings.Join(f[:4], " ")]++
		}
	}
	tally["pages merging faults"] = len(merged)
	printTally(tally)
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
