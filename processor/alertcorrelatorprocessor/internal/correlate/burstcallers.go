package correlate

import "time"

// A root's direct callers isolated in a burst, gathered once its callers
// show it. During a storm of concurrent faults the onsets that open
// incidents form as many unconnected groups as there are faults, so the
// burst rule (burst.go) isolates a failing hub's first callers: those
// alerting just before or after the root open incidents of their own, and
// the root, in a burst, holds nothing for them (specific.go). Once the
// burst has passed, the root's later callers join its incident, and by
// then its direct callers plainly show it (at least minBurstCallers of
// them alerting near its onset, and explainsAt): the shape of a fault
// spreading to its callers, which no burst of unrelated onsets has. Then
// the lone incidents that opened in the burst on a direct caller of the
// root, with an onset near the root's, are its symptoms too. On latency
// scale-free-200's first other draw, alerts only, 8 of one hub fault's
// first callers stayed apart so (EVALUATION.md, thirty-fourth pass).
// With spans burstjoin.go decides at the onset instead.

// gatherBurstCallers merges into inc, after an alert joined it, the lone
// incidents opened in a burst on a direct caller of inc's root near the
// root's onset, once the root explains its callers (see above). It
// returns the surviving incident.
func (e *Engine) gatherBurstCallers(inc *incident, now time.Time) *incident {
	if e.tracesActive() || inc.storm != "" || len(inc.services) < 2 {
		return inc
	}
	root := e.rootService(inc)
	t, ok := inc.causes[root]
	if !ok || !e.graph.HasNode(root) {
		return inc
	}
	// The lone incidents first: most joins find none, and the counts
	// below scan the root's callers' incidents again.
	var lone []*incident
	for _, c := range e.graph.CallerList(root, e.cfg.MaxHops) {
		if c.Hops > 1 {
			break
		}
		for o := range e.incidentsOn(c.Service) {
			if o != inc && e.loneBurstCaller(o, c.Service, t, now) {
				lone = append(lone, o)
			}
		}
	}
	if len(lone) == 0 {
		return inc
	}
	alerting, callers := e.callerCounts(root, t, now)
	if alerting < minBurstCallers || !explainedBy(alerting, callers) {
		return inc
	}
	return e.mergeAll(inc, lone, now)
}

// loneBurstCaller reports whether o is a live incident opened in a burst
// holding svc alone, whose onset there is at or after at and near it.
func (e *Engine) loneBurstCaller(o *incident, svc string, at, now time.Time) bool {
	if !o.loneInBurst() || !e.live(o, now) {
		return false
	}
	t, ok := o.causes[svc]
	return ok && !t.Before(at) && e.near(t, at)
}
