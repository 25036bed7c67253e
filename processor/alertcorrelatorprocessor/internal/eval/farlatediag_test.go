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
		fpEp := map[string]int{}
		seen := map[int]bool{}
		var pending []correlate.CandDetail
		tally := map[string]int{}
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		cfg := engineConfig()
		cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
		severityReaders(t, &cfg)
		opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid(), Traces: envTraceStream(t, s, f)}
		opts.Before = func(e *correlate.Engine, n alertscenario.Notification, a correlate.Alert) {
			pending = nil
			if n.State == "firing" && !seen[n.Episode] {
				pending = e.SplitDetail(a, n.At)
			}
		}
		opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			fpEp[fp] = n.Episode
			if n.State != "firing" || seen[n.Episode] {
				return
			}
			seen[n.Episode] = true
			if !strings.Contains(e.Placement(fp, n.At), "far and late") {
				return
			}
			tr := s.Truths[s.EpisodeTruth[n.Episode]]
			for _, d := range pending {
				ep, ok := fpEp[d.RootFP]
				if !ok || !d.Symptom || d.Hops < 2 {
					continue
				}
				it := s.Truths[s.EpisodeTruth[ep]]
				tally[splitClass(tr, it, n, d)]++
			}
		}
		Run(s, learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed), cfg, opts)
		fmt.Println("==", f.Spec.Name)
		printTally(tally)
	}
}
