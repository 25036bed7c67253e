package correlate

// A dependency shown through one caller only. rank prefers the deepest
// alerting dependency (most alerting callers within MaxHops), so an
// unrelated alert on a dependency of a fault's root outranks the root by
// one caller: the root itself. Where severities differ the split
// (match.go) keeps most such alerts out of the root's incident; where
// every alert has one severity nothing does, and the page names the
// dependency (eighty-fifth pass: the largest class of wrong roots under
// one severity, alerts only, after pages merging two faults).
//
// What a storm still shows is how broadly each service's callers show
// it. A failing service fails its direct callers: were the dependency the
// root, its other direct callers would alert too. So an alerting service
// ranks after the others when all of these hold:
//   - one of its direct callers alerts in the incident (v) and at least
//     one other stays quiet;
//   - every alerting caller it has within MaxHops reaches it through v
//     (nothing but v's side shows it);
//   - v's direct callers show v at a higher share than its own show it
//     (v explains its callers better than the dependency explains v's
//     side); a v no one calls shows no share and decides nothing;
//   - it is no more severe than v: where severities differ, they still
//     say which of the two is the root.
// A root whose one alerting caller is called by quiet services keeps its
// place: there the deeper service explains at least as much. So does the
// incident's silent root once it alerts (rank.go): the spans, or its
// callers alerting together, named it before its alert came.

// shownThroughOne reports whether c, an alerting service of an incident
// whose alerting services are byService, ranks after the others for the
// reason above.
func (e *Engine) shownThroughOne(c *rankCand, byService map[string]*rankCand) bool {
	if c.service == "" || c.callers == 0 {
		return false
	}
	v, shown, direct := e.alertingDirectCallers(c.service, byService)
	if shown != 1 || direct < 2 || v.sev < c.sev {
		return false
	}
	vShown, vDirect := 0, 0
	if _, n, d := e.alertingDirectCallers(v.service, byService); d > 0 {
		vShown, vDirect = n, d
	}
	// v's share above c's: vShown/vDirect > 1/direct.
	if vDirect == 0 || vShown*direct <= vDirect {
		return false
	}
	for _, x := range e.graph.CallerList(c.service, e.cfg.MaxHops) {
		if _, ok := byService[x.Service]; !ok || x.Service == v.service {
			continue
		}
		if _, through := e.graph.Hops(x.Service, v.service, e.cfg.MaxHops); !through {
			return false
		}
	}
	return true
}

// alertingDirectCallers returns svc's direct callers that alert in the
// incident (byService): one of them (the last met), how many, and how many
// direct callers svc has.
func (e *Engine) alertingDirectCallers(svc string, byService map[string]*rankCand) (one *rankCand, shown, direct int) {
	for _, c := range e.graph.CallerList(svc, 1) {
		direct++
		if o, ok := byService[c.Service]; ok && c.Service != svc {
			one, shown = o, shown+1
		}
	}
	return one, shown, direct
}
