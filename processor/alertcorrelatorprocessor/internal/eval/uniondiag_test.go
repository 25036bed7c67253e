package eval

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestUnionDiag (EVAL_UNION_DIAG=<part of a family name>, EVAL_TRACES=1
// for the traced run; tuning families only) prints every union of
// incidents (correlate.Engine.OnUnite) that involved a fault: the alert
// that united them (its truth and service) and each incident united (its
// root alert's truth, size, and the engine's readings at that instant),
// marked wrong when the incidents' roots belong to different faults;
// then a tally by alert kind and verdict.
func TestUnionDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_UNION_DIAG") {
		s := alertscenario.GenerateFamily(f.Spec)
		type key struct {
			fp string
			at time.Time
		}
		ep := map[key]int{}
		for _, n := range s.Notifications {
			ep[key{n.Fingerprint(), n.StartsAt}] = n.Episode
		}
		truthOf := func(m correlate.Member) (alertscenario.Truth, bool) {
			e, ok := ep[key{m.Fingerprint, m.StartsAt}]
			if !ok {
				return alertscenario.Truth{}, false
			}
			return s.Truths[s.EpisodeTruth[e]], true
		}
		var notes []correlate.UniteNote
		diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			e.OnUnite(func(u correlate.UniteNote) { notes = append(notes, u) })
		})
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		for _, u := range notes {
			at, _ := truthOf(u.Alert)
			faults := map[int]bool{}
			var lines []string
			for _, inc := range u.Incident {
				rt, ok := truthOf(inc.Members[0])
				if ok && rt.Kind == "fault" {
					faults[rt.ID] = true
				}
				lines = append(lines, fmt.Sprintf("    %s%d root=%s n=%d | %s", rt.Kind, rt.ID, rt.Root, len(inc.Members), inc.Detail))
			}
			// The incidents united beside the best candidate (sixty-eighth
			// pass): whose they are, and whether the spans showed their
			// root's calls failing toward the uniting alert's service.
			for _, inc := range u.Incident[1:] {
				rt, _ := truthOf(inc.Members[0])
				whose := rt.Kind
				if rt.ID == at.ID {
					whose = "own"
				}
				size := "1"
				if len(inc.Members) > 1 {
					size = "2+"
				}
				tally[fmt.Sprintf("united beside: %s n=%s %s %s %s", whose, size, detailField(inc.Detail, "link(root->svc)="), detailField(inc.Detail, "rootOwn="), detailField(inc.Detail, "symptom="))]++
			}
			if len(faults) == 0 {
				continue
			}
			verdict := "right"
			if len(faults) > 1 {
				verdict = "wrong"
			}
			k := fmt.Sprintf("%s alert=%s", verdict, at.Kind)
			tally[k]++
			svc := serviceOf(s, u.Alert.Fingerprint)
			fmt.Printf("%s alert %s%d on %s (truth root %s)\n%s\n", verdict, at.Kind, at.ID, svc, at.Root, strings.Join(lines, "\n"))
		}
		printTally(tally)
	}
	if os.Getenv("EVAL_UNION_DIAG") == "" {
		t.Skip()
	}
}

// serviceOf is the service of the first notification with fingerprint fp.
func serviceOf(s *alertscenario.Scenario, fp string) string {
	for _, n := range s.Notifications {
		if n.Fingerprint() == fp {
			return n.Service
		}
	}
	return "?"
}

// detailField is the word after key in a note's detail ("" if absent).
func detailField(detail, key string) string {
	i := strings.Index(detail, key)
	if i < 0 {
		return ""
	}
	return strings.Fields(detail[i:])[0]
}
