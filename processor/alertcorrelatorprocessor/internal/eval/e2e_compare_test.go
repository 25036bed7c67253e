package eval

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/alertscenario/published"
)

// e2eStorms is the scenario the end-to-end evaluation (make
// eval-alerts-e2e, internal/e2e TestStormEvalBinary) replays against the
// built binary: the first QUELL_EVAL_STORMS storms (default 2) of the
// storm family QUELL_EVAL_FAMILY names (published.E2EFamily; default the
// scale-free-250 storms), one minute apart.
func e2eStorms(t *testing.T) (*alertscenario.FamilySpec, *alertscenario.Scenario) {
	k := 2
	if v := os.Getenv("QUELL_EVAL_STORMS"); v != "" {
		var err error
		k, err = strconv.Atoi(v)
		require.NoError(t, err, "QUELL_EVAL_STORMS")
	}
	spec, err := published.E2EFamily("../../../..", os.Getenv("QUELL_EVAL_FAMILY"))
	require.NoError(t, err)
	return spec, alertscenario.GenerateFamily(spec).FirstStorms(k, time.Minute)
}

// TestE2EStormSpecMatches keeps the families the end-to-end evaluation
// can replay (published.E2EFamily) among the tuning families this package
// scores, with the service label the binary's config/alerts.yaml reads.
func TestE2EStormSpecMatches(t *testing.T) {
	fams, err := Families("../../../..")
	require.NoError(t, err)
	for _, name := range []string{"", "social-network"} {
		spec, err := published.E2EFamily("../../../..", name)
		require.NoError(t, err)
		i := slices.IndexFunc(fams, func(f Family) bool { return f.Spec.Name == spec.Name })
		require.GreaterOrEqual(t, i, 0, "no family named %q", spec.Name)
		require.Equal(t, spec, fams[i].Spec)
		require.False(t, fams[i].Spec.HeldOut, "%s: the end-to-end evaluation replays tuning families only", spec.Name)
		require.Equal(t, "service", fams[i].ServiceLabel)
	}
	_, err = published.E2EFamily("../../../..", "hotel-reservation")
	require.ErrorContains(t, err, "QUELL_EVAL_FAMILY")
}

// TestE2EStormsInProcess prints the in-process replay of the scenario the
// end-to-end evaluation sends to the binary, with the binary's settings
// there (group_wait and resolve_hold 10s), in TestFamilies' row format, so
// that the two rows compare directly. make eval-alerts-e2e runs it.
func TestE2EStormsInProcess(t *testing.T) {
	if os.Getenv("QUELL_EVAL_E2E") == "" {
		t.Skip("set QUELL_EVAL_E2E=1 (make eval-alerts-e2e)")
	}
	spec, s := e2eStorms(t)
	g := learnedGraph(t, spec.Topology, 3000, spec.Seed)
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10*time.Second, 10*time.Second, 20*time.Second
	ts := alertscenario.NewTraceStream(s, 20, spec.ErrorRate, spec.Relay, spec.Seed)
	rows := map[string]alertscenario.Outcome{
		"in-process, alerts only":     Run(s, g, cfg, Options{ServiceLabel: "service"}),
		"in-process, alerts + traces": Run(s, g, cfg, Options{ServiceLabel: "service", Traces: ts, PerService: os.Getenv("QUELL_EVAL_BATCH") == "service"}),
	}
	fmt.Println(alertscenario.RowHeader)
	for _, method := range []string{"in-process, alerts only", "in-process, alerts + traces"} {
		fmt.Println(alertscenario.Row(spec.Name+" (e2e cut)", method, alertscenario.Evaluate(s, rows[method])))
		fc := countFailures(s, rows[method])
		fmt.Printf("  %s: fault fragments %d, pages merging faults %d, noise alerts in a fault's page %d, flapping firings grouped %d of %d\n",
			method, fc.fragments, fc.merged, fc.noiseJoined, fc.flappingGrouped, fc.flappingFirings)
		for _, line := range alertscenario.DescribePages(s, rows[method]) {
			fmt.Println("  in-process: " + line)
		}
	}
}
