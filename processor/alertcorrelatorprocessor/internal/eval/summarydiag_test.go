package eval

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestSummaryDiag (ninety-fourth pass) replays a tuning family twice with
// per-service batches: the spans in-process, and through observers'
// summaries of EVAL_SUMMARY_DIAG_D (default 10s) from
// EVAL_SUMMARY_DIAG_K observers (default 1). It compares them alert by
// alert as TestLateDiag compares on time with late ("late" in its lines
// is the summaries' run): the evidence at placement and 10 s on, the
// placement and its rule (correlate.Engine.Placement), the gap between
// the onset and the end of the newest summary holding the service's
// counts (evidence.Tracker.Through), and the final pages.
// EVAL_SUMMARY_DIAG=<part of a family name>|tuning; EVAL_SUMMARY must be
// unset.
func TestSummaryDiag(t *testing.T) {
	fams := diagFamilies(t, "EVAL_SUMMARY_DIAG")
	if os.Getenv("EVAL_SUMMARY") != "" || os.Getenv("EVAL_LATE") != "" {
		t.Skip("EVAL_SUMMARY and EVAL_LATE must be unset: the diagnostic sets the summaries itself")
	}
	sum := Summaries{Interval: 10 * time.Second, Observers: 1}
	if v := os.Getenv("EVAL_SUMMARY_DIAG_D"); v != "" {
		sum.Interval, _ = time.ParseDuration(v)
	}
	if v := os.Getenv("EVAL_SUMMARY_DIAG_K"); v != "" {
		sum.Observers, _ = strconv.Atoi(v)
	}
	t.Setenv("EVAL_TRACES", "1")
	t.Setenv("EVAL_BATCH", "service")
	for _, f := range fams {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		on := lateReplay(t, f, s, g, Delivery{})
		via := lateReplayVia(t, f, s, g, Delivery{}, sum)
		fmt.Printf("%s: spans %.3f/%.2f, summaries %s x%d %.3f/%.2f\n", f.Spec.Name,
			on.score.F1, on.score.AC1, sum.Interval, max(1, sum.Observers), via.score.F1, via.score.AC1)
		compareLate(s, on, via)
		fmt.Printf("  engine stats spans:     %+v\n  engine stats summaries: %+v\n", on.stats, via.stats)
	}
}
