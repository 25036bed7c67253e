package eval

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// TestSpeakDiag tallies, for each alert's first firing
// (EVAL_SPEAK_DIAG=<part of a family name>, EVAL_TRACES=1 or healthy;
// tuning families only; EVAL_SPEAK_LINES=1 prints each), by the kind of
// its truth, whether errors or latency originate at that moment in its
// service ("self"), else in one of its direct dependencies ("dependency",
// evidence.Tracker.Originating), else "none": what informative.go reads.
// With healthy spans every origin is a false reading; with the faults'
// spans a fault alert with none is one the spans say nothing of.
func TestSpeakDiag(t *testing.T) {
	if os.Getenv("EVAL_TRACES") == "" {
		t.Skip("set EVAL_TRACES=1|healthy")
	}
	for _, f := range diagFamilies(t, "EVAL_SPEAK_DIAG") {
		if f.Spec.HeldOut {
			continue
		}
		s := alertscenario.GenerateFamily(f.Spec)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		ev := &fedTracker{Tracker: evidence.New(EvidenceConfig()), ts: envTraceStream(t, s, f), traced: s.Notifications[0].At.Add(-10 * time.Minute)}
		kind := map[int]string{}
		for _, tr := range s.Truths {
			kind[tr.ID] = tr.Kind
		}
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		seen := map[int]bool{}
		for _, n := range s.Notifications {
			if seen[n.Episode] || n.State != "firing" {
				continue
			}
			seen[n.Episode] = true
			tr := ev.at(n.At)
			touch := "none"
			var deps []string
			for _, d := range g.DependencyList(n.Service, 1) {
				deps = append(deps, d.Service)
			}
			switch {
			case tr.Originating([]string{n.Service}, n.At):
				touch = "self"
			case tr.Originating(deps, n.At):
				touch = "dependency"
			}
			k := kind[s.EpisodeTruth[n.Episode]]
			if os.Getenv("EVAL_SPEAK_LINES") != "" {
				fmt.Printf("%s %-10s %-25s %s\n", n.At.Format("15:04:05"), k, n.Service, touch)
			}
			tally[k+" "+touch]++
		}
		printTally(tally)
	}
}
