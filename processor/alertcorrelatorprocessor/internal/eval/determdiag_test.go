package eval

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestDetermDiag checks that a family's run depends on its input only
// (fifty-first pass): it draws the family's scenario and learns its graph
// twice and says whether they differ (the generator and the learner), then
// replays the same scenario on the same graph EVAL_DETERM_REPS times
// (default 6) in this process and prints, for each replay whose events
// differ from the first's, the first event that differs and the
// notifications ingested just before it (members: their count and a hash
// of their order). Go draws a map's iteration order
// anew at every range, so a decision read from one differs between
// replays. EVAL_DETERM_DIAG=<part of a family name>|tuning|all; the draw,
// convention, pace and traces variables as for TestQuickScore.
func TestDetermDiag(t *testing.T) {
	name := os.Getenv("EVAL_DETERM_DIAG")
	if name == "" {
		t.Skip("set EVAL_DETERM_DIAG=<family>|tuning|all")
	}
	reps := 6
	if v := os.Getenv("EVAL_DETERM_REPS"); v != "" {
		reps, _ = strconv.Atoi(v)
	}
	fams, err := Families("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if name == "tuning" && f.Spec.HeldOut || name != "tuning" && name != "all" && !strings.Contains(f.Spec.Name, name) {
			continue
		}
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		s2 := flatDraw(alertscenario.GenerateFamily(f.Spec))
		fmt.Printf("%s: scenario repeats=%v", f.Spec.Name, reflect.DeepEqual(s.Notifications, s2.Notifications) && reflect.DeepEqual(s.Truths, s2.Truths))
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		fmt.Printf(" graph repeats=%v\n", reflect.DeepEqual(g.Snapshot(), learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed).Snapshot()))
		first := determReplay(t, f, s, g)
		for i := 1; i < reps; i++ {
			other := determReplay(t, f, s, g)
			if k := firstDiff(first.events, other.events); k >= 0 {
				fmt.Printf("  replay %d differs at event %d of %d/%d:\n    first: %s\n    this:  %s\n", i, k, len(first.events), len(other.events), at(first.events, k), at(other.events, k))
				for _, n := range first.before(k, 6) {
					fmt.Printf("    after %s\n", n)
				}
			}
		}
	}
}

// determRun is one replay's events and the notifications ingested before
// each.
type determRun struct {
	events   []string
	ingested []string // notifications, in order
	seen     []int    // len(ingested) when each event was emitted
}

func (r *determRun) before(k, n int) []string {
	end := r.seen[k]
	return r.ingested[max(0, end-n):end]
}

func at(s []string, k int) string {
	if k < len(s) {
		return s[k]
	}
	return "(none)"
}

func firstDiff(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}

func determReplay(t *testing.T, f Family, s *alertscenario.Scenario, g *topology.Graph) *determRun {
	r := &determRun{}
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid()}
	opts.Traces = envTraceStream(t, s, f)
	opts.Ingested = func(_ *correlate.Engine, n alertscenario.Notification, fp string) {
		r.ingested = append(r.ingested, fmt.Sprintf("%s %s %s/%s %s fp=%.8s", n.At.Format("15:04:05"), n.State, n.Service, n.Rule, n.Sev, fp))
	}
	opts.Emitted = func(at time.Time, evs []correlate.Event) {
		for _, ev := range evs {
			in := ev.Incident
			r.events = append(r.events, fmt.Sprintf("%s %s %.8s root=%.8s rank=%v members=%d(%.8s) firing=%d merged=%.8s",
				at.Format("15:04:05"), ev.State, in.ID, in.RootFingerprint, in.Ranking, len(in.Members), correlate.IncidentID(strings.Join(in.Members, ","), time.Time{}), len(in.Firing), in.MergedInto))
			r.seen = append(r.seen, len(r.ingested))
		}
	}
	Run(s, g, cfg, opts)
	return r
}
