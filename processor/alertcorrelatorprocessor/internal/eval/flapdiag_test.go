package eval

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestFlapDiag prints, for each flapping alert of the families matching
// EVAL_FLAP_DIAG (EVAL_TRACES for traces, 10s waits), its state changes
// (seconds after its first firing; EVAL_FLAP_RAW=1 adds every
// notification with its onset), the incident each firing ended in, when
// that incident paged, and whether other true incidents' alerts share
// it; then per family: flapping alerts, paged incidents holding their
// firings, alerts paged more than once, firings grouped with others.
func TestFlapDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_FLAP_DIAG") {
		s, out := diagRun(t, f)
		truthsIn := map[string]map[int]bool{}
		for fi, id := range out.Firings {
			if truthsIn[id] == nil {
				truthsIn[id] = map[int]bool{}
			}
			truthsIn[id][s.EpisodeTruth[fi.Episode]] = true
		}
		byEp := map[int][]alertscenario.Notification{}
		var eps []int
		for _, n := range s.Notifications {
			if s.Truths[s.EpisodeTruth[n.Episode]].Kind != "flapping" {
				continue
			}
			if byEp[n.Episode] == nil {
				eps = append(eps, n.Episode)
			}
			byEp[n.Episode] = append(byEp[n.Episode], n)
		}
		var tally flapTally
		for _, ep := range eps {
			line := tally.add(ep, byEp[ep], out, truthsIn)
			fmt.Printf("%s ep%d %s/%s%s\n", f.Spec.Name, ep, byEp[ep][0].Service, byEp[ep][0].Sev, line)
		}
		fmt.Printf("== %s: %d flapping alerts, %d pages, %d paged more than once, %d firings grouped with others\n",
			f.Spec.Name, tally.alerts, tally.pages, tally.twice, tally.grouped)
	}
}

type flapTally struct{ alerts, pages, twice, grouped int }

// add tallies one flapping alert's notifications ns and returns its line.
func (ft *flapTally) add(ep int, ns []alertscenario.Notification, out alertscenario.Outcome, truthsIn map[string]map[int]bool) string {
	ft.alerts++
	t0 := ns[0].At
	var b strings.Builder
	last := ""
	paged := map[string]bool{}
	for _, n := range ns {
		if os.Getenv("EVAL_FLAP_RAW") != "" {
			fmt.Fprintf(&b, " (%s@%.0f s%.0f)", n.State[:1], n.At.Sub(t0).Seconds(), n.StartsAt.Sub(t0).Seconds())
		}
		if n.State == last {
			continue
		}
		last = n.State
		fmt.Fprintf(&b, " %s@%.0f", n.State[:1], n.At.Sub(t0).Seconds())
		if n.State != "firing" {
			continue
		}
		// Firings are recorded only where a record lists them: a firing
		// held in an incident that emits nothing new shows unpaged.
		id := out.Firings[alertscenario.Firing{Episode: ep, StartsAt: n.StartsAt}]
		at, ok := out.PagedAt[id]
		if !ok {
			b.WriteString("[unpaged]")
			continue
		}
		if !paged[id] {
			paged[id] = true
			ft.pages++
		}
		others := len(truthsIn[id]) > 1
		if others {
			ft.grouped++
		}
		fmt.Fprintf(&b, "[%s page@%.0f others=%v]", id[:4], at.Sub(t0).Seconds(), others)
	}
	if len(paged) > 1 {
		ft.twice++
	}
	return b.String()
}
