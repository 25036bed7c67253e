package correlate

import "time"

// A burst's callers' pages held for their shared dependency. A failing
// hub's callers often alert before it does, tens of seconds apart from
// each other, in a window the burst rule reads as a burst (callers of one
// service are not connected to each other along call edges): each opens a
// lone incident (burst.go), pages after group_wait, and is merged into the
// hub's incident once the hub alerts and its callers show it (it takes
// them over as their deeper root, specific.go). The on-call is paged once
// per caller for one problem (on the tuning storms, alerts only, 123 of
// 280 pages merged away over six runs: EVALUATION.md, forty-second pass).
// A maintenance window or a deploy alerts on services whatever they call;
// a fault spreading to callers makes them share the failing dependency. So
// the page of a lone incident opened in a burst waits while its service
// shares a direct dependency that has not alerted with another such lone
// incident whose onset is near its own: at most CauseWait
// (correlation.cause_wait) past group_wait, and it goes out when the wait
// ends if the dependency never alerted. Where alerts go does not change;
// only the page waits. With spans, await.go holds pages for a cause the
// spans show; where they show none (too few sampled calls along the hub's
// edges, a latency fault not yet read as slow self time) this holds too,
// unless the spans show the lone service's trouble as its own (ownCause):
// then it is no caller waiting for a dependency (on the latency storms on
// scale-free-200 with second alerts and traces, 41 of 122 pages were one
// hub fault's callers merged away 4-28 s after paging: EVALUATION.md,
// sixty-second pass). It reads the incidents' onsets and the graph, all
// restored from the snapshot.

// awaitsBurstDependency reports whether inc's page waits for a dependency
// its service shares with another lone incident of the burst.
func (e *Engine) awaitsBurstDependency(inc *incident, now time.Time) bool {
	if e.cfg.CauseWait <= 0 || !inc.loneInBurst() {
		return false
	}
	if now.Sub(inc.firstSeen) >= e.groupWait(inc)+e.cfg.CauseWait {
		return false
	}
	svc := e.rootService(inc)
	t, ok := inc.causes[svc]
	if !ok || !e.graph.HasNode(svc) || e.ownCause(svc) {
		return false
	}
	for _, d := range e.graph.DependencyList(svc, e.cfg.MaxHops) {
		if d.Hops > 1 {
			break
		}
		if len(e.byService[d.Service]) == 0 && e.sharedByBurstPeer(inc, d.Service, t, now) {
			return true
		}
	}
	return false
}

// sharedByBurstPeer reports whether another live lone incident opened in
// a burst, on a direct caller of dep other than inc's service, has an
// onset near at.
func (e *Engine) sharedByBurstPeer(inc *incident, dep string, at, now time.Time) bool {
	for _, c := range e.graph.CallerList(dep, e.cfg.MaxHops) {
		if c.Hops > 1 {
			break
		}
		if len(inc.services[c.Service]) > 0 {
			continue
		}
		for _, o := range e.byService[c.Service] {
			if o != inc && o.loneInBurst() && e.live(o, now) && e.near(o.causes[c.Service], at) {
				return true
			}
		}
	}
	return false
}

// pageHeldInBurst reports whether inc's page may be held past group_wait
// by awaitsBurstDependency: for the rules that read a page as sent
// (burstpaged.go), such an incident counts as paged, so that only the
// page waits and no alert goes elsewhere. It reads the restored state
// only (no mark is saved).
func (e *Engine) pageHeldInBurst(inc *incident) bool {
	return e.cfg.CauseWait > 0 && inc.loneInBurst() && e.now.Sub(inc.firstSeen) >= e.groupWait(inc) && !e.tracesActive()
}
