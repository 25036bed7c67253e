package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestOnsetOrderDiag (EVAL_ORDER_DIAG=<part of a name>|tuning; EVAL_PACE,
// EVAL_SEED, EVAL_CONVENTION as for the others) counts, over every pair
// of a caller's and its direct callee's alert onsets within the onset
// window of each other, how often the callee's came first: whether a
// storm's onset order follows its call graph, as a whole and for the
// pairs of one fault (ninety-third pass).
func TestOnsetOrderDiag(t *testing.T) {
	window := engineConfig().OnsetWindow
	for _, f := range diagFamilies(t, "EVAL_ORDER_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		type on struct {
			svc   string
			at    time.Time
			truth int
		}
		var ons []on
		for _, n := range firstNotifications(s) {
			ons = append(ons, on{n.Service, n.StartsAt, s.EpisodeTruth[n.Episode]})
		}
		calls := map[[2]string]bool{}
		for c, ds := range s.Topology.Services {
			for _, d := range ds {
				calls[[2]string{c, d}] = true
			}
		}
		var all, allFirst, same, sameFirst int
		for _, a := range ons {
			for _, b := range ons {
				if !calls[[2]string{a.svc, b.svc}] || a.at.Sub(b.at) > window || b.at.Sub(a.at) > window {
					continue
				}
				first := b.at.Before(a.at)
				all++
				if first {
					allFirst++
				}
				if a.truth == b.truth && s.Truths[a.truth].Kind == "fault" {
					same++
					if first {
						sameFirst++
					}
				}
			}
		}
		fmt.Printf("%-40s callee first: all pairs %d/%d (%.2f), one fault's %d/%d (%.2f)\n", f.Spec.Name, allFirst, all,
			float64(allFirst)/float64(max(all, 1)), sameFirst, same, float64(sameFirst)/float64(max(same, 1)))
	}
}
