package correlate

import "time"

// A newer cause shows in its callers. Without spans, preferNewerCause
// (match.go) gives a service's newer alert to a newer cause below it
// that alerted first, rather than to the incident its earlier alert is
// in (rehomeNewer, rehome.go, did the same when the newer cause alerted
// after, until the thirty-seventh pass removed it). Both were made for a
// hub in front of two concurrent faults,
// which alerts once for each. But a service also trips several rules for
// one failure, minutes apart (the error rate, then the error-budget burn,
// then the p99; the thirty-sixth pass), and in a storm a dependency it
// shares with many other services often opens an alert of its own in
// those minutes (noise, another fault's symptom): the service's second
// alert then left its fault's page for that alert's. What tells the two
// apart, alerts only, is whether the newer cause spreads: a failing
// dependency makes its callers alert, and callers that were alerting
// before it opened say nothing of it. So a newer cause takes a service's
// newer alert only when it explains its other direct callers (explainedBy:
// a third of them, or all but one) counting only those whose alerts began
// near its onset, not those already alerting before. A newer cause with
// no other caller (the hub its only caller) keeps the rules as they were.
// On latency scale-free-200 with second alerts (EVAL_SECOND_ALERTS=0.5,
// draws 0-2, alerts only), 36 of its faults' later alerts had joined
// their service's incident and left it afterwards; 9 with this condition
// (EVALUATION.md, thirty-eighth pass).

// newerCauseShows reports whether inc's root, a newer cause of an alert on
// skip, shows in its direct callers other than skip (see above).
func (e *Engine) newerCauseShows(inc *incident, skip string) bool {
	root := e.rootService(inc)
	t, ok := inc.causes[root]
	if !ok || !e.graph.HasNode(root) {
		return false
	}
	return explainedBy(e.countCallers(root, skip, func(c string) bool {
		return e.alertsNear(c, t, e.now) && !e.alertingBefore(c, t, e.now)
	}))
}

// alertingBefore reports whether svc has an alert in a live incident whose
// onset is before at and not near it: a trouble that predates at.
func (e *Engine) alertingBefore(svc string, at, now time.Time) bool {
	for _, inc := range e.byService[svc] {
		if t, ok := inc.causes[svc]; ok && e.live(inc, now) && t.Before(at) && !e.near(at, t) {
			return true
		}
	}
	return false
}
