package eval

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// familyRun is one family's scores.
type familyRun struct {
	fam              Family
	alerts, traces   alertscenario.Score
	failA, failT     failureCounts
	learned, trueEdg int
}

func runFamily(t *testing.T, f Family) familyRun {
	s := alertscenario.GenerateFamily(f.Spec)
	g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
	learned, tr := 0, 0
	for from, tos := range f.Spec.Topology.Services {
		for _, to := range tos {
			tr++
			if _, ok := g.Hops(from, to, 1); ok {
				learned++
			}
		}
	}
	cfg := engineConfig()
	if os.Getenv("EVAL_WAIT") != "" {
		d, err := time.ParseDuration(os.Getenv("EVAL_WAIT"))
		require.NoError(t, err)
		cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = d, d, 2*d
	}
	fr := familyRun{fam: f, learned: learned, trueEdg: tr}
	out := Run(s, g, cfg, Options{ServiceLabel: f.ServiceLabel})
	fr.alerts, fr.failA = alertscenario.Evaluate(s, out), countFailures(s, out)
	ts := alertscenario.NewTraceStream(s, traceDensity(t), f.Spec.ErrorRate, f.Spec.Relay, traceSeed(t, f))
	out = Run(s, g, cfg, Options{ServiceLabel: f.ServiceLabel, Traces: ts, FixedGrid: fixedGrid()})
	fr.traces, fr.failT = alertscenario.Evaluate(s, out), countFailures(s, out)
	return fr
}

// traceSeed is the seed of a family's trace stream: the family's own
// unless EVAL_TRACE_SEED=k (k > 0) draws the k-th other sample of the same
// faults (which traces, which spans fail, the services' timings). The
// alerts and the graph do not change. The rows with traces move with the
// sample (twenty-eighth pass), so a rule is judged on more than one.
func traceSeed(t *testing.T, f Family) uint64 {
	v := os.Getenv("EVAL_TRACE_SEED")
	if v == "" {
		return f.Spec.Seed
	}
	k, err := strconv.ParseUint(v, 10, 64)
	require.NoError(t, err, "EVAL_TRACE_SEED")
	return f.Spec.Seed + k*0x9e3779b97f4a7c15
}

// fixedGrid: EVAL_TRACE_GRID=fixed feeds the trace ticks on a fixed 5 s
// grid, each before the alerts of its second (Options.FixedGrid).
func fixedGrid() bool { return os.Getenv("EVAL_TRACE_GRID") == "fixed" }

// traceDensity is the traces the eval's trace stream sends every 5 s of
// scenario time: 20 unless EVAL_TRACE_DENSITY says otherwise (the
// correlator in tier 1 sees every span; a denser stream measures what the
// figures owe to the sample's size).
func traceDensity(t *testing.T) int {
	v := os.Getenv("EVAL_TRACE_DENSITY")
	if v == "" {
		return 20
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err)
	require.Positive(t, n, "EVAL_TRACE_DENSITY")
	return n
}

// TestFamilies prints every scenario family (make eval-alerts), alert-only
// and with traces, beside Alertmanager-style grouping, and the worst family.
// It takes a minute or two, so it runs only when EVAL_FAMILIES is set.
func TestFamilies(t *testing.T) {
	if os.Getenv("EVAL_FAMILIES") == "" {
		t.Skip("set EVAL_FAMILIES=1 (make eval-alerts)")
	}
	fams, err := Families("../../../..")
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString("| family | held out | method | true incidents | alerts | pages | pages/incident | precision | recall | F1 | AC@1 | AC@3 | missed | median time to page |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	var worstA, worstT *familyRun
	var failures strings.Builder
	failures.WriteString("\n| family | method | fault fragments (extra pages) | pages merging faults | noise alerts in a fault's page | flapping firings grouped with others |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, f := range fams {
		if only := os.Getenv("EVAL_FAMILY"); only != "" && !slices.ContainsFunc(strings.Split(only, "|"), func(p string) bool { return strings.Contains(f.Spec.Name, p) }) {
			continue
		}
		fr := runFamily(t, f)
		s := alertscenario.GenerateFamily(f.Spec)
		held := ""
		if f.Spec.HeldOut {
			held = "held out"
		}
		t.Logf("%s: %d of its %d true edges learned from 3000 fault-free traces", f.Spec.Name, fr.learned, fr.trueEdg)
		line := func(method string, sc alertscenario.Score) {
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %d | %.2f | %.3f | %.3f | %.3f | %.2f | %.2f | %d | %s |\n",
				f.Spec.Name, held, method, sc.TrueIncidents, sc.Episodes, sc.Pages, sc.PagesPerIncident,
				sc.Precision, sc.Recall, sc.F1, sc.AC1, sc.AC3, sc.Missed, sc.TimeToPage.Round(time.Second))
		}
		line("alert_correlator, alerts only", fr.alerts)
		line("alert_correlator, alerts + traces", fr.traces)
		printFailures(&failures, f.Spec.Name, "alerts only", fr.failA)
		printFailures(&failures, f.Spec.Name, "alerts + traces", fr.failT)
		line("Alertmanager group_by [alertname]", alertscenario.Evaluate(s, alertscenario.RunAlertmanager(s, []string{"alertname"}, 30*time.Second)))
		line("Alertmanager group_by ["+f.ServiceLabel+"]", alertscenario.Evaluate(s, alertscenario.RunAlertmanager(s, []string{f.ServiceLabel}, 30*time.Second)))
		if worstA == nil || fr.alerts.F1 < worstA.alerts.F1 {
			worstA = &fr
		}
		if worstT == nil || fr.traces.F1 < worstT.traces.F1 {
			worstT = &fr
		}
	}
	if worstA != nil {
		fmt.Fprintf(&b, "\nworst family, alerts only: %s (F1 %.3f, AC@1 %.2f, pages/incident %.2f, missed %d)\n",
			worstA.fam.Spec.Name, worstA.alerts.F1, worstA.alerts.AC1, worstA.alerts.PagesPerIncident, worstA.alerts.Missed)
		fmt.Fprintf(&b, "worst family, alerts + traces: %s (F1 %.3f, AC@1 %.2f, pages/incident %.2f, missed %d)\n",
			worstT.fam.Spec.Name, worstT.traces.F1, worstT.traces.AC1, worstT.traces.PagesPerIncident, worstT.traces.Missed)
	}
	fmt.Fprint(os.Stdout, b.String(), failures.String())
}
