package correlate

// A symptom joins an incident through a member only within max_hops of
// its root. correlation.max_hops says how far apart, in calls, alerts may
// be and still share a cause. relatedIncidents related an alert to an
// incident through any alerting dependency in it, so an incident grew
// hop by hop: a caller of a caller of a root's caller joined, and the
// next alert joined through it, each within max_hops of the member it
// called but further than that from the root. A failure spreads up from
// its root, and an alert more calls above it than the operator allows
// is, by that same setting, no symptom of it. On the tuning families,
// 4-17 noise alerts a run (draws 0 and 1, with traces and alerts only)
// joined a fault's page so, as symptoms of a member beyond max_hops of
// the page's root (EVALUATION.md, ninety-second pass). A member nothing
// in the incident explains still relates: while a failing hub has not
// alerted, the incident's named root is one of its callers, and a second
// caller joins through the first. The alert on a service already in the
// incident, a deeper root's take-over, a consumer fed through a failing
// producer or broker (fedthrough.go), a late caller's and a silent
// dependency's callers' relations are other relations and are not read
// here.

// reachesRoot reports whether s, an alerting service that calls d (a
// member of inc) within MaxHops, may join inc as d's symptom: d is inc's
// root or nothing in inc explains d (no alerting dependency of d within
// MaxHops is in inc: d may be a root itself, its own failing dependency
// silent or not yet alerting), or s calls inc's root within MaxHops too,
// or that root is not known to the graph. reach keeps, for one alert's
// relations, whether s reaches each incident's root: an incident is read
// once for each of its members s calls.
func (e *Engine) reachesRoot(s, d string, inc *incident, reach *rootReach) bool {
	if e.rootService(inc) == d || reach.of(e, s, inc) {
		return true
	}
	return !e.explainedIn(d, inc)
}

// rootReach memoizes, for one alerting service, whether it reaches each
// incident's root (reachesRoot); the zero value is empty.
type rootReach map[*incident]bool

// of reports whether s calls inc's root within MaxHops, or the root is
// s, unknown or not in the graph.
func (r *rootReach) of(e *Engine, s string, inc *incident) bool {
	if ok, seen := (*r)[inc]; seen {
		return ok
	}
	root := e.rootService(inc)
	ok := root == "" || root == s || !e.graph.HasNode(root)
	if !ok {
		_, ok = e.graph.Hops(s, root, e.cfg.MaxHops)
	}
	if *r == nil {
		*r = rootReach{}
	}
	(*r)[inc] = ok
	return ok
}

// explainedIn reports whether a dependency of d within MaxHops alerts in
// inc.
func (e *Engine) explainedIn(d string, inc *incident) bool {
	for _, r := range e.graph.DependencyList(d, e.cfg.MaxHops) {
		if _, ok := inc.services[r.Service]; ok {
			return true
		}
	}
	return false
}
