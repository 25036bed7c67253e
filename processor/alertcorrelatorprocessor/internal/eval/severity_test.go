package eval

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestSeverityConventions prints (make eval-alerts) how correlation.
// severity_splits fares where alerts do not follow the scenario
// generator's convention (roots critical, symptoms warning): the same
// scenarios with 30% and with all symptom alerts critical, splits on and
// off, and the all-critical case once more with group_wait 90s (one
// severity gives no root the longer wait of a warning root). It holds
// the all-critical case to the convention's floors: there the splits have
// no evidence and must change nothing.
func TestSeverityConventions(t *testing.T) {
	var b strings.Builder
	b.WriteString("| scenario | symptom alerts | severity_splits | group_wait | pages/incident | F1 | AC@1 | AC@3 | missed | median time to page |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range scoredRuns(t) {
		for _, v := range []struct {
			name string
			s    *alertscenario.Scenario
		}{
			{"warning (generated)", r.s},
			{"30% critical", r.s.WithCriticalSymptoms(0.3, 11)},
			{"all critical", r.s.WithCriticalSymptoms(1, 11)},
		} {
			var off, on alertscenario.Score
			for _, splits := range []bool{true, false} {
				cfg := engineConfig()
				cfg.SeveritySplits = splits
				sc := alertscenario.Evaluate(v.s, RunCorrelator(v.s, r.g, cfg))
				if splits {
					on = sc
				} else {
					off = sc
				}
				fmt.Fprintf(&b, "| %s | %s | %t | %s | %.2f | %.3f | %.2f | %.2f | %d | %s |\n", r.name, v.name, splits, cfg.GroupWait, sc.PagesPerIncident, sc.F1, sc.AC1, sc.AC3, sc.Missed, sc.TimeToPage.Round(time.Second))
			}
			if v.name == "all critical" {
				cfg := engineConfig()
				cfg.GroupWait = 90 * time.Second
				sc := alertscenario.Evaluate(v.s, RunCorrelator(v.s, r.g, cfg))
				fmt.Fprintf(&b, "| %s | %s | %t | %s | %.2f | %.3f | %.2f | %.2f | %d | %s |\n", r.name, v.name, cfg.SeveritySplits, cfg.GroupWait, sc.PagesPerIncident, sc.F1, sc.AC1, sc.AC3, sc.Missed, sc.TimeToPage.Round(time.Second))
			}
			if v.name == "all critical" && on != off {
				t.Errorf("%s, all symptoms critical: severity_splits changed the outcome (%+v vs %+v)", r.name, on, off)
			}
		}
	}
	fmt.Fprint(os.Stdout, b.String())
}
