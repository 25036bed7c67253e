package eval

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// TestMissedFaultDiag (EVAL_MISSEDFAULT_DIAG=<part of a family name>|tuning,
// EVAL_TRACES=1 for the traced run; tuning families only) follows every
// missed fault (a fault truth that is the majority of no page) through
// the replay: for each of its alerts, every incident it was in and the
// step that put it there (TestConcurDiag's events), and the final page's
// members by truth (ninety-second pass).
func TestMissedFaultDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_MISSEDFAULT_DIAG") {
		tk := evidence.New(EvidenceConfig())
		c := &concurTrack{tk: tk, inc: map[string]string{}, ep: map[string]int{}, events: map[int][]concurEvent{}, line: map[int][]rootSample{}, epLine: map[int][]epSample{}}
		s, out := concurRun(t, f, tk, c)
		fmt.Println("==", f.Spec.Name)
		major := pageTruths(s, out)
		covered := map[int]bool{}
		for _, tid := range major {
			covered[tid] = true
		}
		eps, _, _ := truthEpisodes(s)
		for _, tr := range s.Truths {
			if tr.Kind != "fault" || covered[tr.ID] || len(eps[tr.ID]) == 0 {
				continue
			}
			fmt.Printf("MISSED fault t%d root=%s onset=%s alerts=%d\n", tr.ID, tr.Root, tr.Onset.Format("15:04:05"), len(eps[tr.ID]))
			for _, ep := range eps[tr.ID] {
				page := out.Assign[ep]
				fmt.Printf("  ep%d %s page=%s(t%d)\n", ep, firstService(s, ep), page, major[page])
				for _, ev := range c.events[ep] {
					fmt.Printf("    +%s %s %s\n", ev.at.Sub(tr.Onset).Round(time.Second), ev.inc, ev.how)
				}
			}
			seen := map[string]bool{}
			for _, ep := range eps[tr.ID] {
				p := out.Assign[ep]
				if p == "" || seen[p] {
					continue
				}
				seen[p] = true
				var mem []string
				for e2, p2 := range out.Assign {
					if p2 == p {
						mt := s.Truths[s.EpisodeTruth[e2]]
						mem = append(mem, fmt.Sprintf("%s:t%d%s(+%s)", firstService(s, e2), mt.ID, mt.Kind[:1], episodeOnset(s, e2).Sub(tr.Onset).Round(time.Second)))
					}
				}
				slices.Sort(mem)
				fmt.Printf("  page %s: %s\n", p, strings.Join(mem, " "))
			}
		}
	}
}

// episodeOnset is an episode's first notification's time.
func episodeOnset(s *alertscenario.Scenario, ep int) time.Time {
	for _, n := range s.Notifications {
		if n.Episode == ep {
			return n.At
		}
	}
	return time.Time{}
}
