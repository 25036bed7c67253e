package correlate

import (
	"slices"
	"time"
)

// A wave of one rule. A maintenance window, a scrape outage or a config
// push trips one rule on many services within seconds; burst.go tells
// such a burst by the groups the graph does not connect, but in a small
// dense graph (a few hubs calling most services) every handful of
// services connects within MaxHops. During a storm there, many of the
// wave's alerts land on services already alerting for a fault, and the
// thirty-sixth pass's rule (a further alert on a service joins the
// incident its service alerts in, whatever its onset: one failure trips
// a service's rules minutes apart) puts them in the fault's page, often
// on the fault's root itself.
//
// What tells the wave from a service's own further rules:
//   - the rule is new to the service in that incident: none of the
//     service's alerts there is of the wave's rule. A storm of one real
//     fault trips one rule per pod or instance, again and again on the
//     same service (the 50k-alert storm benchmark: one rule, about 100
//     alerts per service); those are more of the same, not a wave, and
//     join their service's incident as before. The fifty-eighth pass
//     read the wave without this and refused every such alert its own
//     service's incident (the storm 20 times slower, more pages);
//   - the rule fired on waveSiblings or more other services within the
//     burst window before it, and on at least as many that no open
//     incident held an alert of then as on services already alerting. A
//     maintenance window trips services that were healthy; a storm's
//     further rule (every service alerting, then crossing a latency rule
//     too) trips services that already alert: read without this, a
//     storm of three rules on 500 services (TestStormIncidents,
//     BENCH_STORM_RULES=3) went from 57 to 123 incidents and from 2.5 to
//     26 CPU seconds;
//   - no service is reached within MaxHops by all of those services and
//     the alert's (nor is one of them, reached by the others): the
//     callers of one failing database crossing one rule together all
//     reach it, alerting or not (a retry storm's callers alert first).
//
// Then the alert does not join through its service's earlier alert in
// that incident; its other relations stand (read as in a burst, dropping
// them too, the fifty-eighth pass lost on layered-300 with spans and on
// latency storms under the rule pace). Rule names are compared, never
// read.
//
// Restarts: the recent onsets are saved with the state (rule_onsets).

// waveSiblings is how many other services' onsets of the same rule make
// a wave: with the alert's own, burst.go's default MinGroups (4).
const waveSiblings = 3

// maxRuleOnsets bounds the recent onsets kept for the wave reading.
const maxRuleOnsets = 256

// ruleOnset is one new alert's onset with its rule, and whether no open
// incident held an alert of its service then.
type ruleOnset struct {
	at            time.Time
	service, rule string
	fresh         bool
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
	e.ruleOnsets = append(e.ruleOnsets, ruleOnset{st.StartsAt, st.Service, st.RuleName, len(e.byService[st.Service]) == 0})
}

// waveKeeps drops st's relations through an earlier alert on its own
// service to the incidents where its rule is new to that service, when
// st's onset falls in a wave of its rule that nothing explains (above),
// and reports whether it did: such an alert, wherever it goes, is no
// cause of other alerts (addCause). Its service's failure is the one its
// earlier alert stands for; kept as a cause, it drew a fault's later
// callers into the wave's page (sixty-third pass). The cheap readings
// come first: most alerts have no such relation.
func (e *Engine) waveKeeps(st *alertState, cands []cand) ([]cand, bool) {
	if e.cfg.Burst.Window <= 0 || st.RuleName == "" {
		return cands, false
	}
	newRule := func(c cand) bool { return c.symptom && c.hops == 0 && e.ruleNewTo(c.inc, st) }
	if !slices.ContainsFunc(cands, newRule) || !e.inRuleWave(st) {
		return cands, false
	}
	return slices.DeleteFunc(cands, newRule), true
}

// ruleNewTo reports whether none of st's service's alerts in inc is of
// st's rule.
func (e *Engine) ruleNewTo(inc *incident, st *alertState) bool {
	for _, fp := range inc.services[st.Service] {
		if o := e.alerts[fp]; o != nil && o != st && o.RuleName == st.RuleName {
			return false
		}
	}
	return true
}

// inRuleWave reports whether st's rule fired on waveSiblings or more
// other services within the burst window before st's onset, on no fewer
// services that were not alerting then than on services that were, and
// no service explains them all.
func (e *Engine) inRuleWave(st *alertState) bool {
	svcs := []string{st.Service}
	fresh := 0
	for _, o := range e.ruleOnsets {
		d := st.StartsAt.Sub(o.at)
		if o.rule != st.RuleName || d < 0 || d > e.cfg.Burst.Window || !e.graph.HasNode(o.service) || slices.Contains(svcs, o.service) {
			continue
		}
		svcs = append(svcs, o.service)
		if o.fresh {
			fresh++
		}
	}
	others := len(svcs) - 1
	if others < waveSiblings || fresh < others-fresh {
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
