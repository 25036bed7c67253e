package correlate

import "time"

// A dependency's alert is the deeper root of its callers' incidents only
// as far as its callers show it. A service many others call (a hub, a
// shared database, a gateway's backend) sits within MaxHops of nearly
// every alert, so that one of its many callers alerts says little: were
// it failing, its callers would alert broadly. An alert on a service most
// of whose direct callers are quiet takes over no incident and unites
// none; it opens its own, which takes over the incidents it was refused
// once enough of its callers alert (a root alerting early in a retry
// storm, before most of its callers). With recent spans the evidence
// vets take-overs instead (a root whose errors are its own is not taken
// over), and this rule stands aside. Without them, the same rule ranks a
// service whose callers do not show it after those whose callers do
// (rank.go).

// explainsCallers reports whether st's service explains its direct
// callers' alerts: at least a third of them have a non-local alert with
// an onset near st's in a live incident, or at most one is quiet (a
// service with one caller, or two, explains a lone alerting caller).
func (e *Engine) explainsCallers(st *alertState, now time.Time) bool {
	return e.explainsAt(st.Service, st.StartsAt, now)
}

// explainsAt is explainsCallers for an alert on svc with onset at.
// With recent spans it is true.
func (e *Engine) explainsAt(svc string, at, now time.Time) bool {
	if e.tracesActive() {
		return true
	}
	return explainedBy(e.callerCounts(svc, at, now))
}

// explainedBy: a service explains its callers when a third of its direct
// callers alert near its onset, or all but one.
func explainedBy(alerting, callers int) bool {
	return 3*alerting >= callers || callers-alerting <= 1
}

// callerCounts counts svc's direct callers alerting near at, and all.
func (e *Engine) callerCounts(svc string, at, now time.Time) (alerting, callers int) {
	return e.countCallers(svc, "", func(c string) bool { return e.alertsNear(c, at, now) })
}

// countCallers counts svc's direct callers other than skip ("" skips
// none), and those among them for which alerting is true.
func (e *Engine) countCallers(svc, skip string, alerting func(caller string) bool) (n, callers int) {
	for _, c := range e.graph.CallerList(svc, 1) {
		if c.Service == skip {
			continue
		}
		callers++
		if alerting(c.Service) {
			n++
		}
	}
	return n, callers
}

// alertsNear reports whether svc has a non-local alert in a live incident
// with an onset near at.
func (e *Engine) alertsNear(svc string, at, now time.Time) bool {
	for _, inc := range e.byService[svc] {
		if t, ok := inc.causes[svc]; ok && e.live(inc, now) && e.near(at, t) {
			return true
		}
	}
	return false
}

// holdTakeOver marks inc, just opened by st, as waiting for st's callers
// when st's service does not explain them yet.
func (e *Engine) holdTakeOver(inc *incident, st *alertState, now time.Time) {
	if st.Service == "" || !e.graph.HasNode(st.Service) || st.flapping || e.isLocal(st.RuleName) {
		return
	}
	// In a burst the relations are coincidence (burst.go): nothing waits.
	if !e.explainsCallers(st, now) && !e.inBurst(st) {
		inc.heldRoot = st.Fingerprint
	}
}

// retryTakeOver, after an alert joined inc, lets inc's held root take
// over the incidents it was refused once its callers show it: those open
// when it arrived that it is the deeper root of, under the rules
// findIncident applies to a take-over.
func (e *Engine) retryTakeOver(inc *incident, now time.Time) {
	if inc.heldRoot == "" {
		return
	}
	hs := e.alerts[inc.heldRoot]
	if hs == nil || hs.incident != inc.id {
		inc.heldRoot = ""
		return
	}
	if !e.explainsCallers(hs, now) {
		return
	}
	inc.heldRoot = ""
	cands := []cand{{inc: inc, symptom: true}}
	e.deeperRootOf(hs, now, func(o *incident, _ bool, hops int) {
		if o != inc && (e.takesWaiting(inc, o, hs, now) || !o.firstSeen.After(hs.firstSeen)) && e.live(o, now) && !containsInc(cands, o) {
			cands = append(cands, cand{inc: o, hops: hops})
		}
	})
	if e.cfg.SeveritySplits {
		cands = e.splitBySeverity(hs, cands)
	}
	if len(cands) > 1 && cands[0].inc == inc && (!e.inBurst(hs) || allWaitFor(cands[1:], inc)) {
		e.unite(hs, cands, now)
	}
}

func containsInc(cands []cand, inc *incident) bool {
	for _, c := range cands {
		if c.inc == inc {
			return true
		}
	}
	return false
}
