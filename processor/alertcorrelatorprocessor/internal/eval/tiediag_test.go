package eval

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestTieDiag (EVAL_TIE_DIAG=<part of a family name>|tuning, EVAL_TRACES=1
// for the traced run, EVAL_SEED for another draw; tuning families only)
// counts the placements where two or more live incidents related to a new
// alert equally well (correlate.Engine.OnTie), by the alert's kind and
// whether the incident chosen has the alert's own fault at its root
// ("right"), another tied one has ("wrong"), or none has ("none"); and
// what each other tie-break would have chosen in the same ties, read at
// that instant (it does not replay the placements that would follow):
// recent (the incident joined last: today's order before preferences),
// cause (the latest onset at or before the alert's among the services it
// relates through), hops (fewest hops to the root), older (the earliest
// first onset), traveled (the first whose root the alert's failing calls
// reach, spans only), hops>rec (fewest hops, then recent).
func TestTieDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_TIE_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		type key struct {
			fp string
			at time.Time
		}
		ep := map[key]int{}
		for _, n := range s.Notifications {
			ep[key{n.Fingerprint(), n.StartsAt}] = n.Episode
		}
		truthOf := func(m correlate.Member) (alertscenario.Truth, bool) {
			e, ok := ep[key{m.Fingerprint, m.StartsAt}]
			if !ok {
				return alertscenario.Truth{}, false
			}
			return s.Truths[s.EpisodeTruth[e]], true
		}
		var notes []correlate.TieNote
		set := false
		diagRunWith(t, f, func(e *correlate.Engine, _ alertscenario.Notification, _ string) {
			if !set {
				e.OnTie(func(n correlate.TieNote) { notes = append(notes, n) })
				set = true
			}
		})
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		for _, n := range notes {
			at, ok := truthOf(n.Alert)
			if !ok {
				continue
			}
			if at.Kind != "fault" {
				tally["alert="+at.Kind+" ties"]++
				continue
			}
			verdict := func(i int) string {
				if i < 0 {
					return "nopick"
				}
				if rt, ok := truthOf(n.Tied[i].Root); ok && rt.Kind == "fault" && rt.ID == at.ID {
					return "right"
				}
				for _, o := range n.Tied {
					if rt, ok := truthOf(o.Root); ok && rt.Kind == "fault" && rt.ID == at.ID {
						return "wrong"
					}
				}
				return "none"
			}
			tally["fault chosen("+n.Decided+") "+verdict(0)]++
			for name, pick := range tiePicks(n.Tied) {
				tally[fmt.Sprintf("fault alt %-8s %s", name, verdict(pick))]++
			}
			if onsetTie(n.Tied) {
				// Two or more tied roots the alert's calls fail toward
				// (seventieth pass): today's choice and the edge-onset
				// pick, counted on these ties only.
				tally["fault both-failing chosen "+verdict(0)]++
				tally["fault both-failing onset  "+verdict(onsetPick(n.Alert.StartsAt, n.Tied, false))]++
				tally["fault both-failing path   "+verdict(onsetPick(n.Alert.StartsAt, n.Tied, true))]++
				// Seventy-second pass: the larger share of the alert's
				// failing calls at its onset, and by what margin over the
				// next.
				pick, margin := sharePick(n.Tied)
				tally["fault both-failing share  "+verdict(pick)]++
				if pick >= 0 {
					tally[fmt.Sprintf("fault both-failing share  %s margin %s", verdict(pick), marginBin(margin))]++
				}
			}
			if verdict(0) != "none" {
				fmt.Printf("tie %s fault%d on %s n=%d decided=%s chosen=%s\n", verdict(0), at.ID, serviceOf(s, n.Alert.Fingerprint), len(n.Tied), n.Decided, tieLine(n, truthOf))
			}
		}
		printTally(tally)
	}
	if os.Getenv("EVAL_TIE_DIAG") == "" {
		t.Skip()
	}
}

// tiePicks is the index each alternative tie-break picks among tied (-1:
// it cannot tell), the list's order breaking its own ties.
func tiePicks(tied []correlate.TiedIncident) map[string]int {
	pick := func(better func(a, b correlate.TiedIncident) bool, ok func(correlate.TiedIncident) bool) int {
		best := -1
		for i, c := range tied {
			if ok(c) && (best < 0 || better(c, tied[best])) {
				best = i
			}
		}
		return best
	}
	all := func(correlate.TiedIncident) bool { return true }
	recent := func(a, b correlate.TiedIncident) bool { return a.LastJoin.After(b.LastJoin) }
	return map[string]int{
		"hops>rec": pick(func(a, b correlate.TiedIncident) bool {
			ha, hb := a.RootHops, b.RootHops
			if ha < 0 {
				ha = 99
			}
			if hb < 0 {
				hb = 99
			}
			return ha < hb || ha == hb && recent(a, b)
		}, all),
		"recent": pick(func(a, b correlate.TiedIncident) bool { return a.LastJoin.After(b.LastJoin) }, all),
		"cause": pick(func(a, b correlate.TiedIncident) bool { return a.Cause.After(b.Cause) },
			func(c correlate.TiedIncident) bool { return !c.Cause.IsZero() }),
		"hops": pick(func(a, b correlate.TiedIncident) bool { return a.RootHops < b.RootHops },
			func(c correlate.TiedIncident) bool { return c.RootHops >= 0 }),
		"older":    pick(func(a, b correlate.TiedIncident) bool { return a.FirstCause.Before(b.FirstCause) }, all),
		"traveled": pick(func(a, b correlate.TiedIncident) bool { return false }, func(c correlate.TiedIncident) bool { return c.Traveled }),
		"share":    func() int { i, _ := sharePick(tied); return i }(),
	}
}

// sharePick is the tied incident toward whose root the largest share of
// the alert's failing calls went at its onset (FailingShare), and its
// margin over the next largest; -1 when no root has a share above zero
// or the two largest are equal.
func sharePick(tied []correlate.TiedIncident) (int, float64) {
	best, second := -1, 0.0
	for i, c := range tied {
		if !c.ShareRead || c.Share <= 0 {
			continue
		}
		switch {
		case best < 0 || c.Share > tied[best].Share:
			if best >= 0 {
				second = tied[best].Share
			}
			best = i
		case c.Share > second:
			second = c.Share
		}
	}
	if best >= 0 && tied[best].Share == second {
		return -1, 0
	}
	if best < 0 {
		return -1, 0
	}
	return best, tied[best].Share - second
}

// marginBin buckets a share margin for the tallies.
func marginBin(m float64) string {
	switch {
	case m < 0.1:
		return "<0.1"
	case m < 0.3:
		return "0.1-0.3"
	}
	return ">=0.3"
}

// onsetTie reports whether two or more tied incidents' roots are ones the
// alert's calls fail toward (a FailingSince read).
func onsetTie(tied []correlate.TiedIncident) bool {
	n := 0
	for _, c := range tied {
		if !c.FailingSince.IsZero() {
			n++
		}
	}
	return n >= 2
}

// onsetPick is the tied incident whose edge began failing nearest before
// the alert's onset (the latest FailingSince not after it; FailingSince is
// a bucket's start, so the alert's own bucket counts as before); -1 when
// none began before it.
// With path, the PathFailingSince reading.
func onsetPick(onset time.Time, tied []correlate.TiedIncident, path bool) int {
	since := func(c correlate.TiedIncident) time.Time {
		if path {
			return c.PathFailingSince
		}
		return c.FailingSince
	}
	best := -1
	for i, c := range tied {
		if since(c).IsZero() || since(c).After(onset) {
			continue
		}
		if best < 0 || since(c).After(since(tied[best])) {
			best = i
		}
	}
	return best
}

// tieLine prints each tied incident: its root's truth, hops, and onsets
// relative to the alert's.
func tieLine(n correlate.TieNote, truthOf func(correlate.Member) (alertscenario.Truth, bool)) string {
	out := ""
	for _, c := range n.Tied {
		rt, _ := truthOf(c.Root)
		cause := "-"
		if !c.Cause.IsZero() {
			cause = n.Alert.StartsAt.Sub(c.Cause).Round(time.Second).String()
		}
		since := "-"
		if !c.FailingSince.IsZero() {
			since = c.FailingSince.Sub(n.Alert.StartsAt).Round(time.Second).String()
		}
		if !c.PathFailingSince.IsZero() {
			since += "/path" + c.PathFailingSince.Sub(n.Alert.StartsAt).Round(time.Second).String()
		}
		if c.ShareRead {
			since += fmt.Sprintf(" share=%.2f", c.Share)
		}
		out += fmt.Sprintf(" [%s%d hops=%d cause-%s first-%s join-%s tr=%v failing%s]", rt.Kind, rt.ID, c.RootHops, cause,
			n.Alert.StartsAt.Sub(c.FirstCause).Round(time.Second), n.Alert.StartsAt.Sub(c.LastJoin).Round(time.Second), c.Traveled, since)
	}
	return out
}
