package eval

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestFamilyDiag prints, per true incident, where each of its alerts went
// (EVAL_FAMILY_DIAG=<part of a family name>; tuning families only).
func TestFamilyDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_FAMILY_DIAG") {
		s, out := diagRun(t, f)
		first := map[int]string{}
		for _, n := range s.Notifications {
			if _, ok := first[n.Episode]; !ok {
				first[n.Episode] = fmt.Sprintf("%s %s/%s", n.StartsAt.Format("15:04:05"), n.Service, n.Rule)
			}
		}
		for _, tr := range s.Truths {
			fmt.Printf("truth %d %s root=%s onset=%s\n", tr.ID, tr.Kind, tr.Root, tr.Onset.Format("15:04:05"))
			for ep, tid := range s.EpisodeTruth {
				if tid == tr.ID {
					grp := out.Assign[ep]
					fmt.Printf("   ep%d %s -> %.6s %v\n", ep, first[ep], grp, out.Ranking[grp])
				}
			}
		}
	}
}

// diagRun replays a family with 10s waits, with traces when EVAL_TRACES
// is set (EVAL_TRACES=healthy: spans that show no fault).
func diagRun(t *testing.T, f Family) (*alertscenario.Scenario, alertscenario.Outcome) {
	return diagRunWith(t, f, nil)
}

// diagRunWith is diagRun with a hook called after each ingested notification.
func diagRunWith(t *testing.T, f Family, ingested func(*correlate.Engine, alertscenario.Notification, string)) (*alertscenario.Scenario, alertscenario.Outcome) {
	return diagRunOn(t, f, nil, ingested)
}

// diagRunWith with the replay's tracker (nil: a fresh one).
func diagRunOn(t *testing.T, f Family, tk *evidence.Tracker, ingested func(*correlate.Engine, alertscenario.Notification, string)) (*alertscenario.Scenario, alertscenario.Outcome) {
	s := flatDraw(alertscenario.GenerateFamily(f.Spec))
	g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	severityReaders(t, &cfg)
	opts := Options{ServiceLabel: f.ServiceLabel, Ingested: ingested, Evidence: tk, FixedGrid: fixedGrid()}
	opts.Traces = envTraceStream(t, s, f)
	return s, Run(s, g, cfg, opts)
}

// severityReaders applies two diagnostic overrides of the engine's
// severity readers (eighty-eighth pass: what each is worth on a draw whose
// severities EVAL_CONVENTION=flatsev restored): EVAL_LOW_GROUP_WAIT=<dur>
// replaces LowGroupWait (10s: a less severe root waits no longer), and
// EVAL_SEVERITY_SPLITS=off turns severity_splits off. EVAL_LOCAL_RULES=<re>
// replaces local_rules (ninety-first pass: the former default on the kube
// convention; "none" for no local rule).
func severityReaders(t *testing.T, cfg *correlate.Config) {
	if v := os.Getenv("EVAL_LOCAL_RULES"); v == "none" {
		cfg.LocalRules = nil
	} else if v != "" {
		re, err := regexp.Compile(v)
		require.NoError(t, err, "EVAL_LOCAL_RULES")
		cfg.LocalRules = []*regexp.Regexp{re}
	}
	if v := os.Getenv("EVAL_LOW_GROUP_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "EVAL_LOW_GROUP_WAIT")
		cfg.LowGroupWait = d
	}
	if os.Getenv("EVAL_SEVERITY_SPLITS") == "off" {
		cfg.SeveritySplits = false
	}
}

// envTraceStream is the trace stream EVAL_TRACES asks for: none when
// unset, the family's fault-free stream (HealthyTraceStream) when
// "healthy", else the family's own; EVAL_TRACE_DENSITY traces a tick.
func envTraceStream(t *testing.T, s *alertscenario.Scenario, f Family) *alertscenario.TraceStream {
	switch os.Getenv("EVAL_TRACES") {
	case "":
		return nil
	case "healthy":
		return HealthyTraceStream(s, traceDensity(t), f.Spec.ErrorRate, f.Spec.Relay, traceSeed(t, f))
	}
	return alertscenario.NewTraceStream(s, traceDensity(t), f.Spec.ErrorRate, f.Spec.Relay, traceSeed(t, f))
}

// diagFamilies returns the tuning families whose name contains the value
// of env ("tuning": every tuning family), and skips the test when env is
// unset. A diagnostic never reads a held-out family: what it shows would
// choose the next rule.
func diagFamilies(t *testing.T, env string) []Family {
	name := os.Getenv(env)
	if name == "" {
		t.Skipf("set %s=<family>|tuning", env)
	}
	fams, err := Families("../../../..")
	require.NoError(t, err)
	var out []Family
	for _, f := range fams {
		if !f.Spec.HeldOut && (name == "tuning" || strings.Contains(f.Spec.Name, name)) {
			out = append(out, f)
		}
	}
	return out
}

// printTally prints a diagnostic's counts, one "count key" line each, in
// the order of their keys.
func printTally(tally map[string]int) {
	for _, k := range slices.Sorted(maps.Keys(tally)) {
		fmt.Printf("%5d %s\n", tally[k], k)
	}
}
