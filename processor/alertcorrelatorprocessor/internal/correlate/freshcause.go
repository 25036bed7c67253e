package correlate

import "time"

// The cause whose anomaly is new. A service in front of two concurrent
// faults (a gateway, a shared caller) has failing calls toward both
// roots, so the traces link its alert to each (evidence.Link), and the
// graph relates it to whichever fault alerted first or lies nearest,
// often a second alert on the same service. Its alert's onset tells more:
// it opened when its calls toward the newer fault started to fail, while
// its calls toward the older one had failed for a while already without
// tripping a new alert. So at a new alert's onset, when the traces show
// its calls toward its best candidate's root failing from before
// (evidence.Link Linked, not evidence.Fresh), and its calls failing (or
// slow) only in the newest buckets along a path to a service that is a
// cause of its own (evidence.Fresh, evidence.Unexplained) and has not
// alerted yet, the alert waits for that cause: it opens an incident of
// its own, whose page waits for the cause (await.go); no other origin
// gathers it (attribute.go) and no other alert takes its incident over as
// its deeper root (match.go); the cause gathers it once it alerts.
// Without recent spans, where no path is fresh, or where the cause has
// alerted already, the candidates stand (a fresh path to an alerting
// cause was measured as a tie-breaker and misled: a fault's late symptom
// opens when a newer fault's calls start to fail too).

// freshCause is the cause an alert waits for, and the onset it was read
// at (a later episode of the same alert is read again).
type freshCause struct {
	service string
	onset   time.Time
}

// followFreshCause applies the rule above to st's sorted candidates and
// reports false when st is to open an incident of its own and wait.
func (e *Engine) followFreshCause(st *alertState, cands []cand, now time.Time) bool {
	st.fresh = nil
	root := e.rootService(cands[0].inc)
	// A further alert on a service that roots its own incident
	// (freshagain.go).
	again := e.furtherOnRoot(st, root, cands[0])
	if !again && (!e.failuresTravel(st.Service, root) || e.cfg.Evidence.Fresh(st.Service, root, e.cfg.MaxHops, e.now)) {
		return true
	}
	fc := e.freshCauseOf(st, again)
	if fc == "" || fc == root || e.alerting(fc, now) {
		return true
	}
	st.fresh = &freshCause{service: fc, onset: st.StartsAt}
	return false
}

// freshCauseOf returns the nearest service within MaxHops that is a cause
// of its own and that st's calls fail toward freshly, or "". Not when
// st's service is a cause of its own, unless own (freshagain.go).
func (e *Engine) freshCauseOf(st *alertState, own bool) string {
	if !e.tracesActive() || !own && e.ownCause(st.Service) {
		return ""
	}
	for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
		if e.ownCause(d.Service) && e.cfg.Evidence.Fresh(st.Service, d.Service, e.cfg.MaxHops, e.now) {
			return d.Service
		}
	}
	return ""
}

// heldForFreshCause reports whether st waits for a fresh cause other than
// origin (see the comment at the top).
func heldForFreshCause(st *alertState, origin string) bool {
	return st.fresh != nil && st.fresh.service != origin && st.fresh.onset.Equal(st.StartsAt)
}

// rootHeldForFreshCause reports whether inc's root alert waits for a fresh
// cause other than svc: an alert on svc does not take inc over.
func (e *Engine) rootHeldForFreshCause(inc *incident, svc string) bool {
	st := e.alerts[inc.rootFingerprint]
	return st != nil && heldForFreshCause(st, svc)
}

// alerting reports whether svc has a live incident.
func (e *Engine) alerting(svc string, now time.Time) bool {
	for _, inc := range e.byService[svc] {
		if e.live(inc, now) {
			return true
		}
	}
	return false
}
