package correlate

import (
	"maps"
	"slices"
	"time"
)

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
	if len(fs) > 0 {
		e.detach(inc, fs...)
	}
	for _, m := range fs {
		e.join(own, m, now)
	}
	e.stats.EvidenceMoved += uint64(len(fs))
	return true
}

// followers lists the members of inc on the services whose nearest
// alerting dependency in it, within MaxHops, is st's service or a
// follower's, strictly nearer than any other member's service; not on
// st's service, no cause of their own; of their members, those not
// flapping and not local. Services count, not alerts: another alert on
// st's service (a second rule, or one a concurrent fault below tripped)
// does not hold its callers back, and every alert on a following service
// follows (a service's second alert left behind would be a fragment).
// Growing the set only makes more services follow, so the order the
// services are read in does not change it.
func (e *Engine) followers(inc *incident, st *alertState) []*alertState {
	leaving := map[string]bool{st.Service: true}
	var out []*alertState
	for grew := true; grew; {
		grew = false
		for _, svc := range slices.Sorted(maps.Keys(inc.services)) {
			if leaving[svc] || e.ownCause(svc) || !e.explainedThrough(svc, inc, leaving) {
				continue
			}
			for _, fp := range inc.services[svc] {
				if m := e.alerts[fp]; m != nil && !m.flapping && !e.isLocal(m.RuleName) {
					out = append(out, m)
					leaving[svc], grew = true, true
				}
			}
		}
	}
	return out
}

// explainedThrough reports whether svc's nearest alerting dependency
// among inc's members on other services is a leaving service, strictly
// nearer than the others.
func (e *Engine) explainedThrough(svc string, inc *incident, leaving map[string]bool) bool {
	in, out := 99, 99
	for _, d := range e.graph.DependencyList(svc, e.cfg.MaxHops) {
		switch {
		case len(inc.services[d.Service]) == 0:
		case leaving[d.Service]:
			in = min(in, d.Hops)
		default:
			out = min(out, d.Hops)
		}
	}
	return in < out
}
