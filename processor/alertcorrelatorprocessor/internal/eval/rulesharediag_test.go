package eval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestRuleShareDiag (EVAL_RULESHARE_DIAG=<part of a family name>|tuning,
// EVAL_TRACES=1 for the traced run; tuning families only) reads every
// alert that joins a live incident at its first firing (sixty-eighth
// pass): whether another member of that incident, on another service,
// fires the same rule (rules compared, never read), and whether the
// alert's truth is the one most of those members share ("own") or not
// ("astray"), by the alert's kind. A tally per family.
func TestRuleShareDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_RULESHARE_DIAG") {
		rule, svc, cur := map[string]string{}, map[string]string{}, map[string]int{}
		seen := map[int]bool{}
		tally := map[string]int{}
		var s *alertscenario.Scenario
		ingested := func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			rule[fp], svc[fp], cur[fp] = n.Rule, n.Service, n.Episode
			if seen[n.Episode] || n.State != "firing" {
				return
			}
			seen[n.Episode] = true
			snap, ok := e.Incident(e.IncidentOf(fp), n.At)
			if !ok {
				return
			}
			k := ruleShareKey(s, n, fp, snap, rule, svc, cur)
			tally[k]++
			// The spans at a symptom join (JoinDetail): the alert's service
			// quiet, its link to the member explaining it.
			if d := strings.Fields(e.JoinDetail(fp, n.At) + " x"); d[0] == "symptom" && strings.Contains(k, "joined") {
				tally[strings.SplitN(k, ":", 2)[0]+" as symptom "+joinField(d, "Q=")+" "+joinField(d, "L(by)=")+" "+joinField(d, "hops=")]++
			}
		}
		s = flatDraw(alertscenario.GenerateFamily(f.Spec))
		diagRunHookedOn(t, f, s, ingested, nil)
		fmt.Println("==", f.Spec.Name)
		printTally(tally)
	}
}

// ruleShareKey is one first firing's tally key.
func ruleShareKey(s *alertscenario.Scenario, n alertscenario.Notification, fp string, snap correlate.Snapshot, rule, svc map[string]string, cur map[string]int) string {
	own := s.EpisodeTruth[n.Episode]
	kind := s.Truths[own].Kind
	if kind != "fault" {
		kind = "noise"
	}
	shared, sameSvc, others := false, false, 0
	for _, m := range snap.Members {
		if m == fp {
			continue
		}
		others++
		if svc[m] == n.Service {
			sameSvc = true
		} else if rule[m] == n.Rule {
			shared = true
		}
	}
	if others == 0 {
		return kind + " opened"
	}
	where := "astray"
	if truthOfMembers(s, snap, fp, cur) == own {
		where = "own"
	}
	return fmt.Sprintf("%s joined %s: rule shared=%v sameservice=%v", kind, where, shared, sameSvc)
}

// truthOfMembers is the truth most of snap's members other than fp
// belong to, read from the scenario's fingerprints (their latest
// episode).
func truthOfMembers(s *alertscenario.Scenario, snap correlate.Snapshot, fp string, ep map[string]int) int {
	cnt := map[int]int{}
	for _, m := range snap.Members {
		if e, ok := ep[m]; ok && m != fp {
			cnt[s.EpisodeTruth[e]]++
		}
	}
	best, k := -1, 0
	for tid, c := range cnt {
		if c > k || c == k && tid < best {
			best, k = tid, c
		}
	}
	return best
}

// joinField is the field of a JoinDetail starting with key ("" if none).
func joinField(fields []string, key string) string {
	for _, f := range fields {
		if strings.HasPrefix(f, key) {
			return f
		}
	}
	return ""
}
