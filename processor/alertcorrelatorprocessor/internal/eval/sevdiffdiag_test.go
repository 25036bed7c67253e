package eval

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestSevDiffDiag replays a tuning family's flat draw twice
// (EVAL_SEVDIFF_DIAG=<part of a name>|tuning; EVAL_TRACES, EVAL_SEED as
// for the others): as drawn (one severity) and with each alert's own
// severity restored (EVAL_CONVENTION=flatsev, ownSeverity): the same
// alerts, spans and names, so every difference is what severity told the
// correlator (eighty-eighth pass). Per fault or noise alert whose final
// page holds other truths in one replay than in the other: its truth,
// service, onset against its truth's, the truths sharing its page in
// each replay, and its placement at its first firing in each (Placement,
// JoinDetail). Then counts by the first replay's placement kind and by
// whether the flat page held more truths (merged) or fewer (apart).
func TestSevDiffDiag(t *testing.T) {
	type rep struct {
		s      *alertscenario.Scenario
		out    alertscenario.Outcome
		placed map[int]string
	}
	for _, f := range diagFamilies(t, "EVAL_SEVDIFF_DIAG") {
		var r [2]rep
		for i, c := range []string{"flat", "flatsev"} {
			t.Setenv("EVAL_CONVENTION", c)
			f := f
			spec := *f.Spec
			spec.Convention.UniformSeverity, spec.Convention.OpaqueRules = true, true
			f.Spec = &spec
			placed := map[int]string{}
			s, out := diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
				if _, ok := placed[n.Episode]; !ok && n.State == "firing" {
					placed[n.Episode] = e.Placement(fp, n.At) + " || " + e.JoinDetail(fp, n.At)
				}
			})
			r[i] = rep{s, out, placed}
		}
		fmt.Println("==", f.Spec.Name)
		s := r[0].s
		first := firstNotifications(s)
		mates := func(x rep, ep int) []int {
			g, ok := x.out.Assign[ep]
			if !ok {
				return nil
			}
			var ids []int
			for e2, g2 := range x.out.Assign {
				if g2 == g && e2 != ep && !slices.Contains(ids, x.s.EpisodeTruth[e2]) {
					ids = append(ids, x.s.EpisodeTruth[e2])
				}
			}
			slices.Sort(ids)
			return ids
		}
		tally := map[string]int{}
		for ep := range s.EpisodeTruth {
			pa, pb := r[0].placed[ep], r[1].placed[ep]
			if ka, kb := placeKind(pa), placeKind(pb); ka != kb || !strings.Contains(kb, "relation") && pa != pb {
				tr := s.Truths[s.EpisodeTruth[ep]]
				tally[fmt.Sprintf("placed differently: %s%s: flat %q -> flatsev %q", tr.Kind, rootTag(tr, first[ep]), ka, kb)]++
			}
		}
		for ep := range s.EpisodeTruth {
			a, b := mates(r[0], ep), mates(r[1], ep)
			if slices.Equal(a, b) {
				continue
			}
			tr := s.Truths[s.EpisodeTruth[ep]]
			n := first[ep]
			own := func(m []int) int {
				c := 0
				for _, id := range m {
					if id != tr.ID {
						c++
					}
				}
				return c
			}
			kind := "apart under flat"
			if own(a) > own(b) {
				kind = "more truths under flat"
			} else if own(a) == own(b) {
				kind = "other truths, as many"
			}
			pk := placeKind(r[0].placed[ep])
			tally[tr.Kind+" / "+kind+" / flat placed: "+pk]++
			fmt.Printf("%s %d root=%s %s@%s (%s)\n  flat:    mates %v | %s\n  flatsev: mates %v | %s\n", tr.Kind, tr.ID, tr.Root, n.Service,
				n.StartsAt.Sub(tr.Onset).Round(1e9), kind, a, strings.TrimSpace(r[0].placed[ep]), b, strings.TrimSpace(r[1].placed[ep]))
		}
		printTally(tally)
	}
}

// rootTag is " (root)" when n is on its fault's root.
func rootTag(tr alertscenario.Truth, n alertscenario.Notification) string {
	if tr.Kind == "fault" && n.Service == tr.Root {
		return " (root)"
	}
	return ""
}
