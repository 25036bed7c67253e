package correlate

import "time"

// A service's later alert, isolated by a burst, held for its service's
// incident. A service trips several rules for one failure, minutes apart
// (its error rate, then its error-budget burn, its p99, its saturation),
// and a further alert joins the open incident its service already alerts
// in (candidates, match.go). But when its onset falls in a burst (burst.go)
// that relation is not through the graph and reads as coincidence, so the
// alert opens a lone incident and pages on its own after group_wait,
// although its service is already in a paged incident; moments later the
// spans or the graph often put it back there (a root gathering what its
// spans explain, attribute.go; a shared dependency uniting its callers),
// and the page was one too many (on the latency storms on scale-free-200
// with second alerts and traces, 5 of 56 pages merged away: EVALUATION.md,
// sixty-second pass). An unrelated alert on that service (a maintenance
// window's) is not made a member by this: only its page waits, at most
// CauseWait past group_wait, and it goes out if nothing takes it.

// awaitsServiceIncident reports whether inc's page waits for the paged
// incident its service already alerts in.
func (e *Engine) awaitsServiceIncident(inc *incident, now time.Time) bool {
	if e.cfg.CauseWait <= 0 || !inc.loneInBurst() || now.Sub(inc.firstSeen) >= e.groupWait(inc)+e.cfg.CauseWait {
		return false
	}
	svc := e.rootService(inc)
	t, ok := inc.causes[svc]
	if !ok {
		return false
	}
	for _, o := range e.byService[svc] {
		if first, in := o.causes[svc]; o != inc && in && first.Before(t) && o.paged && e.live(o, now) {
			return true
		}
	}
	return false
}
