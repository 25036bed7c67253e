package correlate

import (
	"slices"
	"time"
)

// A wave of one rule. A maintenance window, a scrape outage or a config
// push trips the same rule on many services within seconds; burst.go
// tells such a burst by the groups the graph does not connect, but in a
// small dense graph (a few hubs calling most services) every handful of
// services connects within MaxHops. During a storm there, many of the
// wave's alerts land on services already alerting for a fault, and the
// thirty-sixth pass's rule (a further alert on a service joins the
// incident its service alerts in, whatever its onset: one failure trips
// a service's rules minutes apart) puts them in the fault's page, often
// on the fault's root itself. A service's further rules for one failure
// trip one by one; a rule tripping on many services at once that nothing
// explains is a wave. A fault trips one rule on many services too (the
// callers of a failing database), but they all reach that failing
// service, alerting or not (a retry storm's callers alert first). So
// when a new alert's rule fired on waveSiblings or more other services
// within the burst window before it, and no service is reached within
// MaxHops by all of them and by the alert's service (nor is one of them,
// reached by the others), the alert does not join through an earlier
// alert on its own service; its other relations stand (measured: read as
// in a burst, dropping them too, it lost on layered-300 with spans and
// on latency storms under the rule pace; EVALUATION.md, fifty-eighth
// pass).
//
// Restarts: the recent onsets are saved with the state (rule_onsets).

// waveSiblings is how many other services' onsets of the same rule make
// a wave: with the alert's own, burst.go's default MinGroups (4).
const waveSiblings = 3

// maxRuleOnsets bounds the recent onsets kept for the wave reading.
const maxRuleOnsets = 256

// ruleOnset is one new alert's onset with its rule.
type ruleOnset struct {
	at            time.Time
	service, rule string
}

// noteRuleOnset records st's onset and forgets those older than twice
// the burst window before it.
func (e *Engine) noteRuleOnset(st *alertState) {
	if e.cfg.Burst.Window <= 0 || st.Service == "" || st.RuleName == "" {
		return
	}
	cut := 0
	for cut < len(e.ruleOnsets) && st.StartsAt.Sub(e.ruleOnsets[cut].at) > 2*e.cfg.Burst.Window {
		cut++
	}
	e.ruleOnsets = e.ruleOnsets[cut:]
	if len(e.ruleOnsets) >= maxRuleOnsets {
		e.ruleOnsets = e.ruleOnsets[1:]
	}
	e.ruleOnsets = append(e.ruleOnsets, ruleOnset{st.StartsAt, st.Service, st.RuleName})
}

// inRuleWave reports whether st's onset falls in a wave of its rule that
// no alerting service explains (see above).
func (e *Engine) inRuleWave(st *alertState) bool {
	w := e.cfg.Burst.Window
	if w <= 0 || st.RuleName == "" {
		return false
	}
	svcs := []string{st.Service}
	for _, o := range e.ruleOnsets {
		d := st.StartsAt.Sub(o.at)
		if o.rule == st.RuleName && d >= 0 && d <= w && e.graph.HasNode(o.service) && !slices.Contains(svcs, o.service) {
			svcs = append(svcs, o.service)
		}
	}
	if len(svcs) <= waveSiblings {
		return false
	}
	return !e.commonDependency(svcs)
}

// commonDependency reports whether some service is reached within
// MaxHops by every one of svcs (or is one of them, reached by the
// others).
func (e *Engine) commonDependency(svcs []string) bool {
	reach := map[string]int{}
	for _, s := range svcs {
		seen := map[string]bool{s: true}
		reach[s]++
		for _, d := range e.graph.DependencyList(s, e.cfg.MaxHops) {
			if !seen[d.Service] {
				seen[d.Service] = true
				reach[d.Service]++
			}
		}
	}
	for _, n := range reach {
		if n == len(svcs) {
			return true
		}
	}
	return false
}

// waveKeeps drops, for an alert in a wave, the relations through an
// earlier alert on its own service: the wave tripped one more rule there,
// no further rule of that service's failure.
func waveKeeps(cands []cand) []cand {
	return slices.DeleteFunc(cands, func(c cand) bool { return c.symptom && c.hops == 0 })
}
