package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestBurstGatherDiag (EVAL_BURSTGATHER_DIAG=<part of a family name>|tuning,
// EVAL_TRACES=1; tuning families only) counts the alerts an Advance
// moved out of the incident they were placed in (the origin
// attribution's gather, attribute.go, or a burst alert's relations read
// again once its service no longer reads quiet, quietkept.go), by how
// they were placed at their first firing (isolated in a burst, opened
// with no relation, joined), by whether their final page's majority is
// their own truth, and by where their service stands to that page's
// first-ranked service (ninety-second pass: maintenance alerts moved into
// a fault's page).
func TestBurstGatherDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_BURSTGATHER_DIAG") {
		placed := map[string]string{}
		epOf := map[string]int{}
		incOf := map[string]string{}
		moved := map[string]bool{}
		var last correlate.Stats
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		ingested := func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if n.State == "firing" && epOf[fp] != n.Episode+1 {
				epOf[fp] = n.Episode + 1
				p := e.Placement(fp, n.At)
				switch {
				case strings.Contains(p, "burst"):
					p = "burst"
				case strings.HasPrefix(p, "no relation"):
					p = "no relation"
				case strings.HasPrefix(p, "joined"):
					p = "joined"
				default:
					p = "other"
				}
				placed[fp] = p
				incOf[fp] = e.IncidentOf(fp)
			}
			last = e.Stats()
			for fp := range incOf {
				incOf[fp] = e.IncidentOf(fp)
			}
		}
		advanced := func(e *correlate.Engine, at time.Time) {
			st := e.Stats()
			if st.EvidenceMoved > last.EvidenceMoved {
				for fp, old := range incOf {
					if id := e.IncidentOf(fp); id != old && id != "" {
						moved[fp] = true
						incOf[fp] = id
					}
				}
			}
			last = st
		}
		out := diagRunHookedOn(t, f, s, ingested, advanced)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		major := pageTruths(s, out)
		tally := map[string]int{}
		for fp := range moved {
			ep := epOf[fp] - 1
			tr := s.Truths[s.EpisodeTruth[ep]]
			p, ok := out.Assign[ep]
			right := "unpaged"
			if ok {
				right = "wrong page"
				if major[p] == tr.ID {
					right = "own page"
				}
			}
			rel := "unpaged"
			if ok && len(out.Ranking[p]) > 0 {
				rel = missedRelation(g, engineConfig().MaxHops, firstService(s, ep), out.Ranking[p][0])
			}
			tally[fmt.Sprintf("moved at an Advance, placed %s, %s, %s", placed[fp], tr.Kind, right)]++
			tally[fmt.Sprintf("moved at an Advance, placed %s, %s, %s, to the page's root: %s", placed[fp], tr.Kind, right, rel)]++
		}
		fmt.Println("==", f.Spec.Name)
		printTally(tally)
	}
}
