package eval

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestQuickScore prints one line per family matching EVAL_QUICK (a part
// of its name; "tuning" for the tuning families, "heldout" for the held-out
// ones, "all" for every one),
// alerts only unless
// EVAL_TRACES is set (EVAL_TRACES=healthy: the same alerts with spans that
// show no fault, HealthyTraceStream), at 10s waits: F1 / AC@1 / pages per incident /
// missed (and the median time to page). A quick look while a change is tried; TestFamilies is the
// table. With EVAL_TALLY set, each line is followed by the family's
// failure tally (TestFamilies' four kinds) from the same run; with
// EVAL_AC3 set, AC@3 ends the line.
// EVAL_TRACE_DENSITY, EVAL_TRACE_SEED=k (another sample of the traces,
// traceSeed) and EVAL_TRACE_GRID=fixed (Options.FixedGrid) as for
// the diagnostics. EVAL_SEED=k (k > 0) scores every family's k-th other
// draw (redraw: other faults, storms, noise and timings on the same
// graph), for TestFamilies and the diagnostics too.
func TestQuickScore(t *testing.T) {
	name := os.Getenv("EVAL_QUICK")
	if name == "" {
		t.Skip("set EVAL_QUICK=<family>|tuning")
	}
	fams, err := Families("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if name == "tuning" && f.Spec.HeldOut || name == "heldout" && !f.Spec.HeldOut ||
			name != "tuning" && name != "heldout" && name != "all" && !strings.Contains(f.Spec.Name, name) {
			continue
		}
		s, out := diagRun(t, f)
		sc := alertscenario.Evaluate(s, out)
		ac3 := ""
		if os.Getenv("EVAL_AC3") != "" {
			ac3 = fmt.Sprintf(" ac3=%.2f", sc.AC3)
		}
		fmt.Printf("%-45s %.3f/%.2f/%.2f/%d ttp=%s%s\n", f.Spec.Name, sc.F1, sc.AC1, sc.PagesPerIncident, sc.Missed, sc.TimeToPage.Round(time.Second), ac3)
		if os.Getenv("EVAL_TALLY") != "" {
			fc := countFailures(s, out)
			fmt.Printf("%-45s fragments=%d merged=%d noise=%d flapping=%d/%d\n", "", fc.fragments, fc.merged, fc.noiseJoined, fc.flappingGrouped, fc.flappingFirings)
		}
	}
}
