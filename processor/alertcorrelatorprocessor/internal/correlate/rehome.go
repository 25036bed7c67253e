package correlate

import "time"

// A newer alert on a service already alerting goes to its newer cause.
// A hub (a gateway every request passes) alerts for each fault below it:
// when a second fault starts while the hub still alerts for the first,
// the hub's new alert (another rule, another instance) has one relation
// at its onset, the hub's earlier alert, and joins that alert's
// incident; the second fault's root, alerting after it, finds the hub's
// incident rooted elsewhere and pages apart from it. preferNewerCause
// (match.go) handles the order where the newer cause alerted first.
// Without spans, once an alert opens an incident as its root, the newer
// alerts on its direct callers that joined another incident only through
// an earlier alert on their own service (no alert there on one of their
// direct dependencies explains them: explainedBelow) move to the new
// root's incident when their onsets are near its: the earlier alert's
// trouble predates them, so it says nothing of what they share. The new
// root must show in its other callers (newerspread.go). With
// spans, attribute.go decides by where the failing calls lead.

// rehomeNewer moves to the incident st roots the newer alerts on st's
// direct callers that it explains better (see above).
func (e *Engine) rehomeNewer(st *alertState, now time.Time) {
	if e.tracesActive() || st.Service == "" || !e.graph.HasNode(st.Service) || st.flapping || e.isLocal(st.RuleName) {
		return
	}
	own := e.incidents[st.incident]
	if own == nil || own.rootFingerprint != st.Fingerprint || own.storm != "" {
		return
	}
	// The list within MaxHops is the graph's cached one (nearest first).
	for _, c := range e.graph.CallerList(st.Service, e.cfg.MaxHops) {
		if c.Hops > 1 {
			break
		}
		if !e.newerCauseShows(own, c.Service) {
			// st explains none of its other callers: no newer cause
			// of c's alerts (newerspread.go).
			continue
		}
		for _, o := range e.byService[c.Service] {
			if o == own || o.storm != "" || !e.live(o, now) {
				continue
			}
			for _, fp := range e.newerOn(o, c.Service, st) {
				m := e.alerts[fp]
				e.detach(o, m)
				e.join(own, m, now)
				e.stats.Rehomed++
			}
		}
	}
}

// newerOn lists o's firing members on svc, o's root aside, whose onset is
// after o's earliest on svc and near st's, and that no alert of o on a
// direct dependency of svc explains.
func (e *Engine) newerOn(o *incident, svc string, st *alertState) []string {
	earliest, ok := o.causes[svc]
	if !ok {
		return nil
	}
	var out []string
	for _, fp := range o.members {
		m := e.alerts[fp]
		if m == nil || m.Service != svc || fp == o.rootFingerprint || !m.firing || m.flapping {
			continue
		}
		if m.StartsAt.After(earliest) && e.nearHops(m.StartsAt, st.StartsAt, 1) && !e.explainedBelow(o, m) {
			out = append(out, fp)
		}
	}
	return out
}

// explainedBelow reports whether o holds an alert on a direct dependency
// of m's service with an onset near m's: m is then a symptom of o's cause
// as much as of a new one.
func (e *Engine) explainedBelow(o *incident, m *alertState) bool {
	for _, d := range e.graph.DependencyList(m.Service, e.cfg.MaxHops) {
		if d.Hops > 1 {
			break
		}
		if t, ok := o.causes[d.Service]; ok && e.nearHops(m.StartsAt, t, d.Hops) {
			return true
		}
	}
	return false
}
