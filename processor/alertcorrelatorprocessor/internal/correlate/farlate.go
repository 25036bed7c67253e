package correlate

// A failure reaches a caller two or more hops above its origin through the
// services between them, within a request's timeouts: seconds a hop. An
// alert related to an incident only through dependencies two or more hops
// below it, none nearer alerting in the incident, each of which began
// alerting more than half the onset window before it, has nothing to show
// that the failure travelled that far that late. It is more often a
// second fault's root above the first, or trouble of its own, than the
// first fault's symptom, so it does not join that incident as a symptom
// (ninety-third pass: alerts only, one severity, opaque rule names, such
// joins merged faults; severity_splits had refused the second roots).
// A nearer alerting dependency, or a far one that began within half the
// window, keeps the relation, and the alert is kept apart only when none
// of its relations holds (which incident it joins is not this rule's).
// With onset_per_hop set, the per-hop window decides instead. The bound
// is a share of the configured onset window, not a delay of any
// generator; it reads onsets and the graph only.

// dropFarLate removes all of st's candidates when every one is a symptom
// relation only through dependencies two or more hops below st that
// alerted more than half the onset window before it (farLate).
func (e *Engine) dropFarLate(st *alertState, cands []cand) []cand {
	if e.cfg.OnsetWindow <= 0 || e.cfg.OnsetPerHop > 0 || st.firstSeen.Before(st.StartsAt) {
		// No window; or one per hop, which already says how late a far
		// symptom may alert; or fired before: a symptom firing again late
		// in a long failure.
		return cands
	}
	for _, c := range cands {
		if !c.symptom || c.hops < 2 || !e.farLate(st, c.inc) {
			// A relation that holds: it chooses among them as before.
			return cands
		}
	}
	return cands[:0]
}

// farLate reports whether every dependency of st alerting in inc is two or
// more hops below it and began alerting more than half the onset window
// before st.
func (e *Engine) farLate(st *alertState, inc *incident) bool {
	far := false
	for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
		t, ok := inc.causes[d.Service]
		if !ok {
			continue
		}
		if d.Hops < 2 || st.StartsAt.Sub(t) <= e.cfg.OnsetWindow/2 {
			return false
		}
		far = true
	}
	return far
}
