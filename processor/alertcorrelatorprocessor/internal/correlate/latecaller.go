package correlate

import "time"

// Callers alerting late, together. A rule fires after its `for:`, at an
// evaluation of its group: the callers of a failing service that trip one
// rule cross it together, minutes after the service's own alert when the
// service's rule has the shorter `for:`. Real alerting is paced by the
// rules, not by the hops (EVALUATION.md, forty-fourth pass), and such a
// caller's alert falls past the onset window of its dependency's, related
// to nothing. Two direct callers of one alerting service crossing within
// the burst window of each other, neither explained by anything else, are
// that service's symptoms arriving late: an unrelated alert next to a
// fault, late, is one alert with no sibling crossing with it. So an alert
// with no other relation joins, as a symptom, the incident of a service
// its service calls directly that alerted before it, up to
// lateCallerWindows onset windows earlier, when another direct caller of
// that service alerts within the burst window of it, alone in an incident
// of its own or in that incident; the lone incidents of those siblings
// are merged into it (gatherLateCallers). A held cause (heldcause.go) is
// still no cause for them: an unrelated alert on a dependency whose
// callers did not show it near its onset stays so. Off when the
// onset window or the burst window is zero.

// lateCallerWindows bounds a late caller's lag after its dependency's
// onset, in onset windows.
const lateCallerWindows = 2

// lateCallerOf returns the live incidents st may join as a late caller
// (see above), as candidates.
func (e *Engine) lateCallerOf(st *alertState, now time.Time) []cand {
	if !e.lateCallerApplies(st) {
		return nil
	}
	var out []cand
	for _, dep := range e.graph.DependencyList(st.Service, 1) {
		d := dep.Service
		for _, inc := range e.byService[d] {
			if e.lateAfter(st, inc, d, now) && len(e.lateSiblings(st, d, inc, now)) > 0 && !containsInc(out, inc) {
				out = append(out, cand{inc: inc, symptom: true, hops: 1, late: true})
			}
		}
	}
	return out
}

// lateCallerApplies reports whether the rule applies to st at all: not in
// a burst (burst.go), where a sibling alerting with st is as much a
// coincidence as adjacency, nor when the spans show errors originating in
// st's service. It then reads st's direct dependencies.
func (e *Engine) lateCallerApplies(st *alertState) bool {
	return e.cfg.OnsetWindow > 0 && e.cfg.Burst.Window > 0 && !e.originates(st.Service) && !e.inBurst(st)
}

// lateAfter reports whether inc is live and its alert on d began before
// st's, beyond the onset window but within lateCallerWindows of them.
func (e *Engine) lateAfter(st *alertState, inc *incident, d string, now time.Time) bool {
	t, ok := inc.causes[d]
	lag := st.StartsAt.Sub(t)
	return ok && e.live(inc, now) && lag > e.cfg.OnsetWindow && lag <= lateCallerWindows*e.cfg.OnsetWindow
}

// lateSiblings returns the live incidents in which another direct caller
// of d alerts within the burst window of st's onset: lone incidents of
// their own, or inc (d's).
func (e *Engine) lateSiblings(st *alertState, d string, inc *incident, now time.Time) []*incident {
	var out []*incident
	for _, c := range e.graph.CallerList(d, 1) {
		if c.Service == st.Service {
			continue
		}
		for o := range e.incidentsOn(c.Service) {
			if (o == inc || len(o.services) == 1) && e.alertedWithBurst(o, c.Service, st.StartsAt, now) {
				out = append(out, o)
			}
		}
	}
	return out
}

// gatherLateCallers merges into inc, which st joins as a late caller, the lone
// incidents of st's late siblings (see above) under each dependency of
// st's service that alerts in inc late before it. It returns the
// surviving incident.
func (e *Engine) gatherLateCallers(inc *incident, st *alertState, now time.Time) *incident {
	if !e.lateCallerApplies(st) {
		return inc
	}
	for _, dep := range e.graph.DependencyList(st.Service, 1) {
		d := dep.Service
		if !e.lateAfter(st, inc, d, now) {
			continue
		}
		inc = e.mergeAll(inc, e.lateSiblings(st, d, inc, now), now)
	}
	return inc
}
