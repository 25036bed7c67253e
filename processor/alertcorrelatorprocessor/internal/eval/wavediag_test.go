package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestWaveDiag (EVAL_WAVE_DIAG=<part of a family name>|tuning; EVAL_TRACES
// as for the others; tuning families only) reads every alert that joined
// an incident at its first firing through an earlier alert on its own
// service (JoinDetail "same": the thirty-sixth pass's rule) and counts the
// other such joins, on other services, whose onsets fell within the burst
// window before its own first firing: a wave of further rules tripping on
// services already alerting at once (a maintenance window, a deploy)
// against a service's own further rules for one failure, which come
// minutes apart. Tallied by what the alert is (noise in a fault's page,
// or a fault's alert in its own fault's page, "member"; "astray"
// otherwise) and by that count (fifty-eighth pass).
func TestWaveDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_WAVE_DIAG") {
		type join struct {
			ep             int
			svc, how, rule string
			onset, at      time.Time
		}
		var joins []join
		seen := map[int]bool{}
		s, out := diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if n.State != "firing" || seen[n.Episode] {
				return
			}
			seen[n.Episode] = true
			joins = append(joins, join{ep: n.Episode, svc: n.Service, rule: n.Rule, how: e.JoinDetail(fp, n.At), onset: n.StartsAt, at: n.At})
		})
		major := pageMajority(s, out)
		w := engineConfig().Burst.Window
		tally := map[string]int{}
		for _, j := range joins {
			if !strings.HasPrefix(j.how, "same") {
				continue
			}
			tr := s.Truths[s.EpisodeTruth[j.ep]]
			maj, ok := major[out.Assign[j.ep]]
			kind := "astray"
			switch {
			case tr.Kind != "fault" && ok:
				kind = "noise"
			case tr.Kind != "fault":
				kind = "noise-elsewhere"
			case ok && maj == tr.ID:
				kind = "member"
			}
			n := 0
			for _, o := range joins {
				if o.svc != j.svc && strings.HasPrefix(o.how, "same") && !o.onset.Before(j.onset.Add(-w)) && !o.at.After(j.at) {
					n++
				}
			}
			isRoot := strings.Contains(j.how, "isroot=true")
			// The sixty-third pass: is the wave's rule new to the service
			// (every earlier alert on it of another rule), and is the
			// alert in a wave of its rule (3+ other services within the
			// window before)?
			sameRule, wave := false, map[string]bool{}
			for _, o := range joins {
				if o.ep != j.ep && o.svc == j.svc && o.rule == j.rule && o.at.Before(j.at) {
					sameRule = true
				}
				if o.svc != j.svc && o.rule == j.rule && !o.onset.Before(j.onset.Add(-w)) && !o.at.After(j.at) {
					wave[o.svc] = true
				}
			}
			tally[fmt.Sprintf("%-15s wave=%v rule new to its service=%v", kind, len(wave) >= 3, !sameRule)]++
			tally[fmt.Sprintf("%-15s others same within window before: %d", kind, min(n, 3))]++
			tally[fmt.Sprintf("%-15s on the incident's root %v", kind, isRoot)]++
		}
		fmt.Println("==", f.Spec.Name)
		// Same rule, other services, onsets within the window before:
		// every first firing, by its truth's kind.
		for _, j := range joins {
			n := map[string]bool{}
			for _, o := range joins {
				if o.svc != j.svc && o.rule == j.rule && !o.onset.Before(j.onset.Add(-w)) && !o.at.After(j.at) {
					n[o.svc] = true
				}
			}
			kind := s.Truths[s.EpisodeTruth[j.ep]].Kind
			tally[fmt.Sprintf("rule wave %-12s same rule on others before: %d", kind, min(len(n), 5))]++
		}
		printTally(tally)
	}
}
