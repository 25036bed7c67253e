package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestLongForDiag (EVAL_LONGFOR_DIAG=<part of a family name>|tuning;
// meant with EVAL_CONVENTION=kube, with or without EVAL_PACE=for) prints
// every alert whose firing (its first, or one in another incident than
// its last) joined an incident past its correlation
// window (no first firing placed in it for longer than the window: the
// joins correlate longfor.go makes, and re-fired incidents' others), with
// its truth's kind and whether the incident's other members hold its
// truth (the fault's own alerts) or others', then a tally by class
// (ninety-fifth pass).
func TestLongForDiag(t *testing.T) {
	tally := map[string]int{}
	for _, f := range diagFamilies(t, "EVAL_LONGFOR_DIAG") {
		s := alertscenario.GenerateFamily(f.Spec)
		fpEp := map[string]int{}
		seen := map[int]bool{}
		placed := map[string]time.Time{}
		was := map[string]string{}
		window := engineConfig().Window
		_, _ = diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			fpEp[fp] = n.Episode
			if n.State != "firing" || n.Episode < 0 || n.Episode >= len(s.EpisodeTruth) {
				return
			}
			id := e.IncidentOf(fp)
			if seen[n.Episode] && was[fp] == id {
				return
			}
			seen[n.Episode], was[fp] = true, id
			last, ok := placed[id]
			placed[id] = n.At
			if !ok || n.At.Sub(last) <= window {
				return
			}
			p := e.Placement(fp, n.At)
			tid := s.EpisodeTruth[n.Episode]
			snap, _ := e.Incident(id, n.At)
			own, other := 0, 0
			for _, m := range snap.Members {
				if ep, ok := fpEp[m]; ok && m != fp {
					if s.EpisodeTruth[ep] == tid {
						own++
					} else {
						other++
					}
				}
			}
			tr := s.Truths[tid]
			class := fmt.Sprintf("%s root=%v own>0=%v other>0=%v", tr.Kind, tr.Root == n.Service, own > 0, other > 0)
			tally[class]++
			fmt.Printf("%s %s %s on %s +%s: %s; incident root %s, own=%d other=%d\n", f.Spec.Name, tr.Kind, n.Rule, n.Service, n.StartsAt.Sub(tr.Onset), p, snap.RootService, own, other)
		})
	}
	for k, v := range tally {
		fmt.Printf("%4d %s\n", v, k)
	}
}
