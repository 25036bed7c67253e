package correlate

import "time"

// A failing dependency that never alerts. Many real dependencies have no
// alert rule of their own (a database, a cache, a third-party API), or one
// whose `for:` outlasts the failure: only its callers alert. Callers of
// one service are not related to each other along call edges, so each
// opens an incident of its own and pages, and none names the dependency
// (under rule-paced alerting, 27 faults over six runs of the tuning rows
// with two or more direct callers of a silent root alerting, 14 of them
// paged several times: EVALUATION.md, fifty-third pass). The callers of a
// failing service that trip one rule cross it at one evaluation, within
// seconds of each other (every such fault there: the first two within
// 30 s). Alerts alone cannot tell those callers from two concurrent
// faults' roots on two callers of a hub within seconds (the held-out
// rows lost on those chance couplings at the fifty-third pass), so the
// rule acts only when the spans speak: errors or latency originating in
// d (fifty-fourth pass), whatever the number of callers or their
// severity. Then an alert related to nothing else, on a direct caller of
// a service d that has no alert in any open incident, joins the incident
// rooted at another direct caller of d whose onset is within the burst
// window of its own, when d's direct callers alerting within that window
// explain it as an alerting service's would (explainedBy: a third of
// them, or all but one); the other such incidents are merged in, and the
// incident names d as its probable root (Snapshot.SilentRoot, first in
// the ranking) while d has no alert in it and its root is a direct caller
// of d. Not in a burst (burst.go: a sibling there is as much coincidence
// as adjacency), nor for a service the spans show errors originating in
// (its own cause). Off when the burst window is zero, and alerts only.
// Restarts: the silent root is saved with the incident
// (IncidentState.SilentRoot); the rest is the incidents' causes, the
// graph and the spans.

// silentDependencyOf returns the incidents st may join as a caller of a
// silent dependency (see above), as candidates.
func (e *Engine) silentDependencyOf(st *alertState, now time.Time) []cand {
	d := e.silentDependency(st, now)
	if d == "" {
		return nil
	}
	var out []cand
	for _, o := range e.silentSiblings(st, d, now) {
		if !containsInc(out, o) {
			out = append(out, cand{inc: o, symptom: true, hops: 1, silent: d})
		}
	}
	return out
}

// silentDependency returns the direct dependency of st's service, with no
// alert in any open incident, whose direct callers alerting within the
// burst window of st explain it and the spans show errors or latency
// originating in (see above): the one with the largest share of them
// alerting, "" when none.
func (e *Engine) silentDependency(st *alertState, now time.Time) string {
	if e.cfg.Burst.Window <= 0 || e.originates(st.Service) || e.inBurst(st) {
		return ""
	}
	best, bestShare := "", 0.0
	for _, dep := range e.graph.DependencyList(st.Service, 1) {
		d := dep.Service
		if len(e.byService[d]) > 0 || !e.originates(d) {
			continue
		}
		alerting, callers := e.countCallers(d, st.Service, func(c string) bool {
			return len(e.silentSiblingsOn(st, c, d, now)) > 0
		})
		alerting, callers = alerting+1, callers+1
		if alerting < 2 || !explainedBy(alerting, callers) {
			continue
		}
		if share := float64(alerting) / float64(callers); share > bestShare {
			best, bestShare = d, share
		}
	}
	return best
}

// silentSiblings returns the incidents of st's siblings under d (see
// silentSiblingsOn) over all of d's direct callers but st's service.
func (e *Engine) silentSiblings(st *alertState, d string, now time.Time) []*incident {
	var out []*incident
	for _, c := range e.graph.CallerList(d, 1) {
		if c.Service != st.Service {
			out = append(out, e.silentSiblingsOn(st, c.Service, d, now)...)
		}
	}
	return out
}

// silentSiblingsOn returns the live incidents rooted at c (or already
// naming d as their silent root) in which c alerted within the burst
// window of st's onset, c's errors not its own.
func (e *Engine) silentSiblingsOn(st *alertState, c, d string, now time.Time) []*incident {
	if e.originates(c) {
		return nil
	}
	var out []*incident
	for o := range e.incidentsOn(c) {
		if o.storm == "" && e.alertedWithBurst(o, c, st.StartsAt, now) && (o.silentRoot == d || e.rootService(o) == c) {
			out = append(out, o)
		}
	}
	return out
}

// gatherSilentSiblings merges into inc, which st joined as a caller of the
// silent dependency d, its siblings' other incidents, and names d as
// inc's silent root. It returns the surviving incident.
func (e *Engine) gatherSilentSiblings(inc *incident, st *alertState, d string, now time.Time) *incident {
	inc = e.mergeAll(inc, e.silentSiblings(st, d, now), now)
	inc.silentRoot = d
	inc.rankDirty = true
	return inc
}

// shownSilentRoot is inc's silent root while it still holds: no alert on
// it in inc, and inc's probable root a direct caller of it, or, for one
// named under another alerting service (silentbelow.go), one of inc's
// services a direct caller of it and its root originating nothing; ""
// otherwise.
func (e *Engine) shownSilentRoot(inc *incident) string {
	d := inc.silentRoot
	if d == "" || len(inc.services[d]) > 0 {
		return ""
	}
	if h, ok := e.graph.Hops(e.rootService(inc), d, 1); ok && h == 1 {
		return d
	}
	if e.shownBelowMember(inc, d) {
		return d
	}
	return ""
}
