package eval

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestTakeOverDiag (EVAL_TAKEOVER_DIAG=<part of a family name>,
// EVAL_TRACES=1 for the traced run; tuning families only) prints, for
// every noise alert (not a fault's) that ended in a page whose majority
// is one fault, the rule that placed it (correlate.Engine.Placement) and,
// when a deeper-root take-over did, what it looked like
// (correlate.Engine.TakeOverDetail); then every fault root a take-over
// placed, likewise, and a tally of both by rule.
func TestTakeOverDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_TAKEOVER_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		placed, detail := map[int]string{}, map[int]string{}
		diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if _, ok := placed[n.Episode]; n.State != "firing" || ok {
				return
			}
			placed[n.Episode] = e.Placement(fp, n.At)
			detail[n.Episode] = e.TakeOverDetail(fp, n.At)
		})
		_, out := diagRunWith(t, f, nil)
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		major := pageMajority(s, out)
		if svc := os.Getenv("EVAL_TAKEOVER_SVC"); svc != "" {
			for ep, p := range placed {
				if strings.Contains(","+svc+",", ","+firstService(s, ep)+",") {
					fmt.Printf("placed %s truth=%d: %s\n", firstService(s, ep), s.EpisodeTruth[ep], p)
				}
			}
		}
		for ep, p := range placed {
			tr := s.Truths[s.EpisodeTruth[ep]]
			g, ok := out.Assign[ep]
			maj, fault := major[g]
			kind := tr.Kind
			switch {
			case kind == "fault" && detail[ep] != "" && firstService(s, ep) == tr.Root:
				kind = "fault-root"
			case kind == "fault" || !ok || !fault || maj == s.EpisodeTruth[ep]:
				continue
			}
			fmt.Printf("%-11s %-9s %s | %s\n", kind, firstService(s, ep), p, detail[ep])
			if os.Getenv("EVAL_TAKEOVER_PAGES") != "" {
				printPage(s, out, g, placed)
			}
			tally[kind+" "+strings.SplitN(p, " (", 2)[0]+" takeover="+fmt.Sprint(detail[ep] != "")]++
			if _, sp, ok := strings.Cut(detail[ep], "spans: "); ok {
				tally[kind+" take-over read "+sp[:strings.Index(sp, " spans=")]]++
			}
		}
		printTally(tally)
	}
}

// pageMajority maps each page to its majority truth, for pages whose
// majority is a fault.
func pageMajority(s *alertscenario.Scenario, out alertscenario.Outcome) map[string]int {
	counts := map[string]map[int]int{}
	for ep, g := range out.Assign {
		if counts[g] == nil {
			counts[g] = map[int]int{}
		}
		counts[g][s.EpisodeTruth[ep]]++
	}
	major := map[string]int{}
	for g, c := range counts {
		best, n := -1, 0
		for tid, k := range c {
			if k > n || k == n && tid < best {
				best, n = tid, k
			}
		}
		if s.Truths[best].Kind == "fault" {
			major[g] = best
		}
	}
	return major
}

// firstService is the service of an episode's first notification.
func firstService(s *alertscenario.Scenario, ep int) string {
	for _, n := range s.Notifications {
		if n.Episode == ep {
			return n.Service
		}
	}
	return ""
}

// printPage prints a page's episodes in onset order with their truths and
// the rules that placed them.
func printPage(s *alertscenario.Scenario, out alertscenario.Outcome, g string, placed map[int]string) {
	var eps []int
	for ep, pg := range out.Assign {
		if pg == g {
			eps = append(eps, ep)
		}
	}
	at := map[int]int{}
	for i, n := range s.Notifications {
		if _, ok := at[n.Episode]; !ok {
			at[n.Episode] = i
		}
	}
	sort.Slice(eps, func(i, j int) bool { return at[eps[i]] < at[eps[j]] })
	for _, ep := range eps {
		n := s.Notifications[at[ep]]
		tr := s.Truths[s.EpisodeTruth[ep]]
		fmt.Printf("      %s %-9s truth=%d %s root=%s: %s\n", n.At.Format("15:04:05"), n.Service, s.EpisodeTruth[ep], tr.Kind, tr.Root, placed[ep])
	}
}
