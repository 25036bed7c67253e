package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestReplayTickDiag counts the ticks of traces the replay feeds (Run) on
// a family (EVAL_TICK_DIAG=<part of a family name>; EVAL_TRACES=1): how
// many against one every TraceEvery from the start to the last
// notification, and the widest gap between two. Run steps no second at
// which a notification is ingested, so a tick due then is fed a second
// later, after the alert, and its 5 s grid shifts by that second: in a
// storm fewer ticks reach the tracker than the density says, and a
// separately fed tracker (TestNoisePageDiag's) holds other spans.
// EVAL_TRACE_GRID=fixed feeds them on a fixed grid (Options.FixedGrid).
func TestReplayTickDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_TICK_DIAG") {
		s := alertscenario.GenerateFamily(f.Spec)
		var ticks []time.Time
		opts := Options{ServiceLabel: f.ServiceLabel, Traces: envTraceStream(t, s, f), Fed: func(at time.Time) { ticks = append(ticks, at) }, FixedGrid: fixedGrid()}
		if opts.Traces == nil {
			t.Skip("set EVAL_TRACES=1")
		}
		cfg := engineConfig()
		Run(s, learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed), cfg, opts)
		last := s.Notifications[len(s.Notifications)-1].At
		fed, widest := 0, time.Duration(0)
		for i, at := range ticks {
			if at.After(last) {
				break
			}
			fed++
			if i > 0 {
				widest = max(widest, at.Sub(ticks[i-1]))
			}
		}
		nominal := int(last.Sub(ticks[0])/(5*time.Second)) + 1
		fmt.Printf("== %s: %d ticks fed of %d due every 5s up to the last notification (%d notifications); widest gap %s\n",
			f.Spec.Name, fed, nominal, len(s.Notifications), widest)
	}
}
