package eval

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestLateMergeDiag (seventy-eighth pass) replays a tuning family on time
// and with per-service batches 0..EVAL_LATE_DIAG_D late (default 10s), and
// prints each pair of faults whose alerts came to share an incident in one
// replay but never in the other, with how it formed: at an alert's
// placement (correlate.Engine.Placement, JoinDetail) or at an Advance (the
// engine counters that moved). EVAL_LATE_MERGE_DIAG=<family>|tuning;
// EVAL_LATE must be unset.
func TestLateMergeDiag(t *testing.T) {
	fams, d, seed := lateDiagSetup(t, "EVAL_LATE_MERGE_DIAG")
	for _, f := range fams {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		on, onOut := mergeReplay(t, f, s, g, Delivery{})
		late, lateOut := mergeReplay(t, f, s, g, Delivery{Late: d, Seed: seed})
		fmt.Printf("%s:\n", f.Spec.Name)
		tally := map[string]int{}
		for _, side := range []struct {
			name   string
			a      map[[2]int]string
			fa, fb map[[2]int]bool
		}{{"late only", late, finalPairs(s, lateOut), finalPairs(s, onOut)}, {"on time only", on, finalPairs(s, onOut), finalPairs(s, lateOut)}} {
			keys := make([][2]int, 0)
			for k := range side.fa {
				if !side.fb[k] {
					keys = append(keys, k)
				}
			}
			sort.Slice(keys, func(i, j int) bool {
				return keys[i][0] < keys[j][0] || keys[i][0] == keys[j][0] && keys[i][1] < keys[j][1]
			})
			for _, k := range keys {
				fmt.Printf("  %s: faults %d+%d %s\n", side.name, k[0], k[1], side.a[k])
				tally[side.name+" "+kindOf(side.a[k])]++
			}
		}
		for k, n := range tally {
			fmt.Printf("  %-50s %d\n", k, n)
		}
	}
}

func kindOf(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i]
		}
	}
	return s
}

// mergeReplay returns, for each pair of faults whose alerts came to share
// an incident, how the first such sharing formed.
func mergeReplay(t *testing.T, f Family, s *alertscenario.Scenario, g *topology.Graph, d Delivery) (map[[2]int]string, alertscenario.Outcome) {
	return mergeReplayHooked(t, f, s, g, d, nil)
}

// mergeReplayHooked is mergeReplay with a hook called after each ingested
// notification (nil: none).
func mergeReplayHooked(t *testing.T, f Family, s *alertscenario.Scenario, g *topology.Graph, d Delivery, ingested func(*correlate.Engine, alertscenario.Notification, string)) (map[[2]int]string, alertscenario.Outcome) {
	pairs := map[[2]int]string{}
	var fps []string
	epOf := map[string]int{}
	var last correlate.Stats
	scan := func(e *correlate.Engine, how func() string) {
		byInc := map[string]map[int]bool{}
		for _, fp := range fps {
			tr := s.EpisodeTruth[epOf[fp]]
			if s.Truths[tr].Kind != "fault" {
				continue
			}
			id := e.IncidentOf(fp)
			if id == "" {
				continue
			}
			if byInc[id] == nil {
				byInc[id] = map[int]bool{}
			}
			byInc[id][tr] = true
		}
		for _, trs := range byInc {
			for a := range trs {
				for b := range trs {
					if a < b {
						if _, ok := pairs[[2]int{a, b}]; !ok {
							pairs[[2]int{a, b}] = how()
						}
					}
				}
			}
		}
	}
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid(), Delivery: d}
	opts.Traces = envTraceStream(t, s, f)
	opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
		if _, ok := epOf[fp]; !ok {
			fps = append(fps, fp)
		}
		epOf[fp] = n.Episode
		if ingested != nil {
			ingested(e, n, fp)
		}
		scan(e, func() string {
			return fmt.Sprintf("placement: %s %s ep %d (%s) %q %q", n.At.Format("15:04:05"), n.State, n.Episode, n.Service, e.Placement(fp, n.At), e.JoinDetail(fp, n.At))
		})
		last = e.Stats()
	}
	opts.Advanced = func(e *correlate.Engine, now time.Time) {
		st := e.Stats()
		scan(e, func() string {
			return fmt.Sprintf("advance: %s moved+%d detached+%d merged+%d flap+%d", now.Format("15:04:05"),
				st.EvidenceMoved-last.EvidenceMoved, st.EvidenceDetached-last.EvidenceDetached, st.Merged-last.Merged, st.FlapDetached-last.FlapDetached)
		})
		last = st
	}
	out := Run(s, g, cfg, opts)
	return pairs, out
}

// finalPairs are the pairs of faults whose alerts share a page at the end.
func finalPairs(s *alertscenario.Scenario, o alertscenario.Outcome) map[[2]int]bool {
	byPage := map[string]map[int]bool{}
	for ep, p := range o.Assign {
		tr := s.EpisodeTruth[ep]
		if s.Truths[tr].Kind != "fault" {
			continue
		}
		if byPage[p] == nil {
			byPage[p] = map[int]bool{}
		}
		byPage[p][tr] = true
	}
	out := map[[2]int]bool{}
	for _, trs := range byPage {
		for a := range trs {
			for b := range trs {
				if a < b {
					out[[2]int{a, b}] = true
				}
			}
		}
	}
	return out
}
