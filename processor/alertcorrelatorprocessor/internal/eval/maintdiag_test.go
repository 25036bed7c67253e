package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestMaintDiag (EVAL_MAINT_DIAG=<part of a family name>, EVAL_TRACES as
// for the others; tuning families only) reads every alert at its first
// firing and again 30 s after its onset (correlate.Engine.BurstReading:
// the burst rule's groups around its onset, its direct callers alerting,
// its incident's size) and tallies, by what it ended as, how it was
// placed (joined an incident at first firing or opened one, and whether
// it was in another incident 30 s on), whether its onset read in a burst
// once the window had passed, and whether any direct caller of its
// service alerted near its onset. Kinds: "noise" (unrelated,
// maintenance) in a page a fault holds the most of, "quiet" noise paged
// elsewhere, "member" a fault's alert in its fault's page of two or more,
// "astray" a fault's alert elsewhere. Each tally line also sums the pairs
// at stake: for noise the fault alerts in its page (false pairs), for a
// member its page's other members (pairs lost if it were split off).
// A fault's alert paged alone is left out.
func TestMaintDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_MAINT_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		type probe struct {
			fp, at0, at30, inc0, inc30 string
			joined                     bool
			onset                      time.Time
			done                       bool
		}
		probes := map[int]*probe{}
		_, out := diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			for _, p := range probes {
				if !p.done && !n.At.Before(p.onset.Add(30*time.Second)) {
					p.at30, p.inc30, p.done = e.BurstReading(p.fp, n.At), e.IncidentOf(p.fp), true
				}
			}
			if _, ok := probes[n.Episode]; n.State != "firing" || ok {
				return
			}
			probes[n.Episode] = &probe{fp: fp, at0: e.BurstReading(fp, n.At), inc0: e.IncidentOf(fp),
				joined: e.JoinDetail(fp, n.At) != "", onset: n.StartsAt}
		})
		fmt.Println("==", f.Spec.Name)
		major := pageMajority(s, out)
		pages := map[string][]int{}
		for ep, g := range out.Assign {
			pages[g] = append(pages[g], ep)
		}
		tally, pairs := map[string]int{}, map[string]int{}
		for ep, p := range probes {
			tr := s.Truths[s.EpisodeTruth[ep]]
			g := out.Assign[ep]
			maj, fault := major[g]
			kind, stake := "", 0
			for _, o := range pages[g] {
				ot := s.Truths[s.EpisodeTruth[o]]
				if o != ep && ot.Kind == "fault" && (tr.Kind != "fault" || ot.ID == tr.ID) {
					stake++
				}
			}
			switch {
			case tr.Kind != "fault" && fault:
				kind = "noise"
			case tr.Kind != "fault":
				kind = "quiet"
			case fault && maj == tr.ID && len(pages[g]) > 1:
				kind = "member"
			case fault && maj == tr.ID:
				continue
			default:
				kind = "astray"
			}
			how := "opened"
			if p.joined {
				how = "joined"
			}
			if p.inc30 != "" && p.inc30 != p.inc0 {
				how += "+moved"
			}
			r := p.at30
			if r == "" {
				r = p.at0
			}
			company := 0
			for _, o := range pages[g] {
				if o != ep && firstService(s, o) == firstService(s, ep) {
					company++
				}
			}
			key := fmt.Sprintf("%-6s %-13s inB30=%v groups30=%s company=%v", kind, how, field(r, "inB") == "true", bucket(field(r, "Bothers")), company > 0)
			tally[key]++
			pairs[key] += stake
			if kind == "noise" {
				fmt.Printf("NOISE %s %s truth=%d stake=%d %s | %s | %s\n", tr.Kind, firstService(s, ep), tr.ID, stake, how, p.at0, r)
			}
		}
		shown := map[string]int{}
		for k, v := range tally {
			shown[k+fmt.Sprintf(" (pairs %d)", pairs[k])] = v
		}
		printTally(shown)
	}
}

// field is the value of name= among r's fields, "" if absent.
func field(r, name string) string {
	for _, f := range strings.Fields(r) {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v
		}
	}
	return ""
}

// bucket groups a count of burst groups: "<4", "4-7", "8+".
func bucket(v string) string {
	n := 0
	fmt.Sscan(v, &n)
	switch {
	case n < 4:
		return "<4"
	case n < 8:
		return "4-7"
	}
	return "8+"
}
