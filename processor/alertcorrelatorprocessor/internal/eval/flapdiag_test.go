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
// (seconds after its first firing), the incident each firing ended in,
// when that incident paged, and whether other true incidents' alerts
// share it; then per family: flapping alerts, their pages, those with a
// second page.
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
		alerts, pages, twice, grouped := 0, 0, 0, 0
		for _, ep := range eps {
			alerts++
			ns := byEp[ep]
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
				id := out.Firings[alertscenario.Firing{Episode: ep, StartsAt: n.StartsAt}]
				at, ok := out.PagedAt[id]
				if !ok {
					fmt.Fprintf(&b, "[unpaged]")
					continue
				}
				if !paged[id] {
					paged[id] = true
					pages++
				}
				others := len(truthsIn[id]) > 1
				if others {
					grouped++
				}
				fmt.Fprintf(&b, "[%s page@%.0f others=%v]", id[:4], at.Sub(t0).Seconds(), others)
			}
			if len(paged) > 1 {
				twice++
			}
			fmt.Printf("%s ep%d %s/%s%s\n", f.Spec.Name, ep, ns[0].Service, ns[0].Sev, b.String())
		}
		fmt.Printf("== %s: %d flapping alerts, %d pages, %d paged more than once, %d firings grouped with others\n", f.Spec.Name, alerts, pages, twice, grouped)
	}
}
