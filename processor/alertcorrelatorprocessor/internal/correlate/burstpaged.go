package correlate

// A paged fault's late direct callers in a burst, without spans. A burst
// (burst.go) reads the relations of an alert whose onset falls in it as
// coincidence: many unconnected groups open at once, and adjacency says
// nothing. But a fault already paged, whose root's direct callers already
// show it (explainsAt: the failure spreads along call edges), predates the
// burst and keeps spreading through it: a direct caller of that root
// alerting next is what a failing dependency makes its callers do, while a
// maintenance window or a deploy opens its alerts on services whatever
// they call. On the tuning storms, alerts only, the burst rule had
// isolated 22 fault alerts whose nearest relation was a one-hop symptom of
// an already paged incident, against 7 noise or another fault's alerts
// (EVALUATION.md, twenty-seventh pass); with the root required to be the
// alert's direct dependency and to explain its callers, it keeps 9 of its
// own fault's alerts and 3 others (two unrelated alerts on a failing
// root's callers that the spans show failing too, and one other fault's).
// With spans, burstjoin.go decides instead.

// burstPagedCallers returns the relations st keeps in a burst without
// spans: when its nearest relation is as a direct caller of the root of a
// paged incident whose callers show it, those relations; else none.
func (e *Engine) burstPagedCallers(st *alertState, cands []cand) []cand {
	sortCands(cands)
	if !e.pagedRootCaller(st, cands[0]) {
		return nil
	}
	var out []cand
	for _, c := range cands {
		if e.pagedRootCaller(st, c) {
			out = append(out, c)
		}
	}
	return out
}

// pagedRootCaller reports whether c relates st as a symptom of c's
// paged incident's root, a direct dependency of st's service that
// explains its callers.
func (e *Engine) pagedRootCaller(st *alertState, c cand) bool {
	if !c.symptom || c.hops != 1 || !c.inc.paged {
		return false
	}
	root := e.rootService(c.inc)
	t, ok := c.inc.causes[root]
	if !ok || root == st.Service {
		return false
	}
	h, direct := e.graph.Hops(st.Service, root, 1)
	return direct && h == 1 && e.explainsAt(root, t, e.now)
}
