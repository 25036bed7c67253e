package correlate

import "time"

// A detached cause takes its symptoms along. When the traces show an
// alert's service as a cause of its own after it joined another cause's
// incident (recheck.go), or as an origin its incident's root does not
// explain (attribute.go), it leaves for an incident of its own. The
// alerts that joined that incident through it stay behind otherwise: its
// callers, whose nearest alerting dependency there is its service (or a
// caller of it that leaves with it). Their errors are its errors: a
// failing service makes its callers fail, and the incident they sat in
// explains them only through it. So they leave with it, unless the
// traces show one a cause of its own, or another member explains it as
// near (a service calling both stays where it was). When every other
// member would follow, nothing follows: the incident is then the
// leaving alert's already (EVALUATION.md, fifty-ninth pass).

// moveWithSymptoms moves st into an incident of its own, as moveToOwn
// does, with the members of its incident that joined it through st
// (followers). It reports whether st moved.
func (e *Engine) moveWithSymptoms(st *alertState, now time.Time) bool {
	inc := e.incidents[st.incident]
	if inc == nil || len(inc.members) < 2 || inc.storm != "" {
		return false
	}
	fs := e.followers(inc, st)
	if len(fs) >= len(inc.members)-1 {
		fs = nil
	}
	if !e.moveToOwn(st, now) {
		return false
	}
	own := e.incidents[st.incident]
	for _, m := range fs {
		e.detach(inc, m)
		e.join(own, m, now)
	}
	e.stats.EvidenceMoved += uint64(len(fs))
	return true
}

// followers lists the members of inc whose nearest alerting dependency in
// it, within MaxHops, is st's service or a follower's, strictly nearer
// than any other member's service; not flapping, not local, not on st's
// service, and no cause of their own. Services count, not alerts: another
// alert on st's service (a second rule, or one a concurrent fault below
// tripped) does not hold its callers back.
func (e *Engine) followers(inc *incident, st *alertState) []*alertState {
	leaving := map[string]bool{st.Service: true}
	var out []*alertState
	for grew := true; grew; {
		grew = false
		for _, fp := range inc.members {
			m := e.alerts[fp]
			if m == nil || leaving[m.Service] || m.flapping || e.isLocal(m.RuleName) || e.ownCause(m.Service) {
				continue
			}
			if e.explainedThrough(inc, m, leaving) {
				leaving[m.Service] = true
				out = append(out, m)
				grew = true
			}
		}
	}
	return out
}

// explainedThrough reports whether m's nearest alerting dependency among
// inc's members on other services is a leaving service, strictly nearer
// than the others.
func (e *Engine) explainedThrough(inc *incident, m *alertState, leaving map[string]bool) bool {
	deps := map[string]int{}
	for _, d := range e.graph.DependencyList(m.Service, e.cfg.MaxHops) {
		deps[d.Service] = d.Hops
	}
	in, out := 99, 99
	for svc := range inc.services {
		h, ok := deps[svc]
		switch {
		case !ok:
		case leaving[svc]:
			in = min(in, h)
		default:
			out = min(out, h)
		}
	}
	return in < out
}
