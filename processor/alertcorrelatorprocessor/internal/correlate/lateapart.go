package correlate

import "time"

// A late root's callers in another fault's incident. Under rule-paced
// alerting a failing service whose own rule has the longer `for:` alerts
// minutes after its callers (lateroot.go). Meanwhile a caller that also
// calls another alerting service (a gateway, a hub in front of two
// backends) joined that service's incident as its symptom: the only
// alerting dependency it had then. When the late root alerts, its
// caller's incident is rooted at a service the late root does not reach,
// so the take-over of lateroot.go does not see it (deeperRootOf asks the
// caller to be the incident's root), and the caller stays in the other
// fault's page (EVALUATION.md, fifty-second pass). So, when a new alert
// on a service explains its callers, those alerting before it included
// (explainsLate), a direct caller of it whose non-local alert sits in
// another live incident moves into the new alert's incident when:
//   - its onset shows the new alert (showsLate: near it, or before it by
//     up to lateCallerWindows onset windows);
//   - that incident's root is neither the caller itself nor a service the
//     new alert's service reaches within MaxHops (a fault below the late
//     root explains the late root too: the graph says nothing against it);
//   - two other direct callers of the late root, neither reaching that
//     root within MaxHops, alerted within the burst window of it, outside
//     that incident (crossingCallers): the callers of one failing service
//     cross one rule at one evaluation, and those the other root cannot
//     explain speak for the late root only. One such sibling is as often
//     a coincidence in a small graph of hubs (a caller of everything
//     alerting for anything);
//   - with recent spans, its failing calls lead to the late root and not
//     to that incident's root.
// Only its alerts with such onsets move, and each at most once: a caller
// of several late roots stays with the first that took it (in a storm
// where every service alerts, the callers' alerts otherwise went back
// and forth between their dependencies' incidents, tens of thousands of
// moves in BenchmarkAlertCorrelator's 50k-alert storm). The incident it
// leaves keeps its root, and its page stands (nothing pages twice: the alerts join an
// incident that pages, or paged, for the late root anyway). Not in a
// burst (burst.go). Off when the onset window or the burst window is zero.
// It reads the incidents' causes and the graph, and marks the alerts it
// moved (movedLate), all in the snapshot.

// lateSiblingsNeeded is how many other direct callers of the late root
// must cross with a caller apart for it to move.
const lateSiblingsNeeded = 2

// takeLateCallers moves into inc, which st (a new alert) joined or
// opened, its direct callers' alerts apart (see above).
func (e *Engine) takeLateCallers(inc *incident, st *alertState, now time.Time) {
	if e.lateStart(st, now) != lateMoves {
		return
	}
	for _, c := range e.graph.CallerList(st.Service, 1) {
		for src := range e.incidentsOn(c.Service) {
			if src == inc || src.storm != "" || !e.live(src, now) || e.lateApart(st, src, c.Service, now) != lateMoves {
				continue
			}
			movers := e.lateMovers(src, c.Service, st.StartsAt)
			if len(movers) == 0 {
				continue
			}
			e.detach(src, movers...)
			for _, m := range movers {
				m.movedLate = true
				e.join(inc, m, now)
			}
		}
	}
}

// lateRefusal is the first condition of the rule above that a new alert,
// or a caller's alert apart, fails (lateMoves: none). takeLateCallers
// acts on it; LateApartDetail names it.
type lateRefusal uint8

const (
	lateMoves lateRefusal = iota
	lateOff
	lateInBurst
	lateUnexplained
	lateOnset
	lateCallerIsRoot
	lateReachesRoot
	lateNoFailingCalls
	lateFailsToOtherRoot
	lateFewSiblings
)

// lateStart is the conditions on st itself: the rule on, st not in a
// burst, and explaining its callers.
func (e *Engine) lateStart(st *alertState, now time.Time) lateRefusal {
	switch {
	case e.cfg.OnsetWindow <= 0 || e.cfg.Burst.Window <= 0:
		return lateOff
	case e.inBurst(st):
		return lateInBurst
	case !e.explainsLate(st, now):
		return lateUnexplained
	}
	return lateMoves
}

// lateApart is whether c's alert in src may leave it for st's incident
// as its late root's symptom (lateMoves), or why not (see above).
func (e *Engine) lateApart(st *alertState, src *incident, c string, now time.Time) lateRefusal {
	t, ok := src.causes[c]
	if !ok || !e.showsLate(st.StartsAt, t) {
		return lateOnset
	}
	r := e.rootService(src)
	switch {
	case r == "" || r == c:
		return lateCallerIsRoot
	case r == st.Service || e.reaches(st.Service, r):
		return lateReachesRoot
	case e.tracesActive() && !e.failuresTravel(c, st.Service):
		return lateNoFailingCalls
	case e.tracesActive() && e.failuresTravel(c, r):
		return lateFailsToOtherRoot
	case e.crossingCallers(st.Service, c, r, src, t, now) < lateSiblingsNeeded:
		return lateFewSiblings
	}
	return lateMoves
}

// reaches reports whether s calls d within MaxHops.
func (e *Engine) reaches(s, d string) bool {
	_, ok := e.graph.Hops(s, d, e.cfg.MaxHops)
	return ok
}

// crossingCallers counts, up to lateSiblingsNeeded, the direct callers of l
// other than c, not r nor reaching it, with a non-local alert outside src,
// in a live incident, within the burst window of t.
func (e *Engine) crossingCallers(l, c, r string, src *incident, t, now time.Time) int {
	n := 0
	for _, o := range e.graph.CallerList(l, 1) {
		if o.Service == c || o.Service == r || e.reaches(o.Service, r) {
			continue
		}
		for _, inc := range e.byService[o.Service] {
			if inc != src && e.alertedWithBurst(inc, o.Service, t, now) {
				n++
				break
			}
		}
		if n >= lateSiblingsNeeded {
			break
		}
	}
	return n
}

// lateMovers lists src's alerts on svc that move: non-local, not
// flapping, not moved by this rule before, with onsets that show a late
// root alerting at at.
func (e *Engine) lateMovers(src *incident, svc string, at time.Time) []*alertState {
	var out []*alertState
	for _, fp := range src.services[svc] {
		m := e.alerts[fp]
		if m != nil && !m.flapping && !m.movedLate && !e.isLocal(m.RuleName) && e.showsLate(at, m.StartsAt) {
			out = append(out, m)
		}
	}
	return out
}
