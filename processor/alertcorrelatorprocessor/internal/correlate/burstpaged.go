package correlate

// A paged fault's late callers in a burst, without spans. A burst
// (burst.go) reads the relations of an alert whose onset falls in it as
// coincidence: many unconnected groups open at once, and adjacency says
// nothing. But a fault already paged, whose root's direct callers already
// show it (explainsAt: the failure spreads along call edges), predates the
// burst and keeps spreading through it: a caller of that root, or of one
// of the root's direct callers alerting in its incident, alerting next is
// what a failing dependency makes its callers do, while a maintenance
// window or a deploy opens its alerts on services whatever they call. On
// the tuning storms, alerts only, the burst rule had isolated 22 fault
// alerts whose nearest relation was a one-hop symptom of an already paged
// incident, against 7 noise or another fault's alerts (EVALUATION.md,
// twenty-seventh pass); held to the fault's path (the alert's alerting
// dependency the root or a direct caller of it) and to a root that
// explains its callers, it keeps 19 of its own fault's alerts and 4
// others (two unrelated alerts on a failing root's callers that the spans
// show failing too, a maintenance alert and another fault's). With
// spans, burstjoin.go decides instead.

// burstPagedCallers returns the relations st keeps in a burst without
// spans: when its nearest relation is as a symptom of a paged incident
// along its fault's path (pagedPathCaller), those relations; else none.
func (e *Engine) burstPagedCallers(st *alertState, cands []cand) []cand {
	sortCands(cands)
	if !e.pagedPathCaller(st, cands[0]) {
		return nil
	}
	var out []cand
	for _, c := range cands {
		if e.pagedPathCaller(st, c) {
			out = append(out, c)
		}
	}
	return out
}

// pagedPathCaller reports whether c relates st as a symptom of c's paged
// incident (or one whose page burstpagehold.go holds past group_wait)
// along its fault's path: a direct dependency of st's service
// alerting in that incident is its root, or a direct caller of its root,
// and the root explains its callers.
func (e *Engine) pagedPathCaller(st *alertState, c cand) bool {
	if !c.symptom || c.hops != 1 || !c.inc.paged && !e.pageHeldInBurst(c.inc) {
		return false
	}
	root := e.rootService(c.inc)
	t, ok := c.inc.causes[root]
	if !ok || root == st.Service || !e.explainsAt(root, t, e.now) {
		return false
	}
	// The list within MaxHops is the graph's cached one (nearest first).
	for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
		if d.Hops > 1 {
			break
		}
		if _, in := c.inc.causes[d.Service]; in && (d.Service == root || e.directCaller(d.Service, root)) {
			return true
		}
	}
	return false
}

// directCaller reports whether a calls b directly. It asks at MaxHops:
// the graph caches one depth, and another would evict that cache.
func (e *Engine) directCaller(a, b string) bool {
	h, ok := e.graph.Hops(a, b, e.cfg.MaxHops)
	return ok && h == 1
}
