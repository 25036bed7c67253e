package eval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestFarLateDiag (EVAL_FARLATE_DIAG=<part of a name>|tuning; EVAL_SEED,
// EVAL_CONVENTION, EVAL_PACE as for the others) tallies the first firings
// farlate.go kept out of an incident ("far and late" in Placement) by
// whether the alert's truth is that of the incident's first alert (a
// symptom refused) or not (a second root or noise kept apart), per family
// (ninety-third pass).
func TestFarLateDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_FARLATE_DIAG") {
		tally := map[string]int{}
		splitReplay(t, f, func(r *splitRun, e *correlate.Engine, n alertscenario.Notification, fp string, ds []correlate.CandDetail) {
			if !strings.Contains(e.Placement(fp, n.At), "far and late") {
				return
			}
			tr := r.s.Truths[r.s.EpisodeTruth[n.Episode]]
			for _, d := range ds {
				if it, ok := r.truthOf(d.RootFP); ok && d.Symptom && d.Hops >= 2 {
					tally[splitClass(tr, it, n, d)]++
				}
			}
		})
		fmt.Println("==", f.Spec.Name)
		printTally(tally)
	}
}
