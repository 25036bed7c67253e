package correlate

import (
	"fmt"
	"time"
)

// TakeOverDetail says, right after an alert's first firing was ingested,
// what its joining looked like when it joined an incident only as a
// dependency of the incident's other members (a deeper-root take-over or
// a union, read from the graph after the fact), or "": the hops to the
// nearest alerting caller, the incident's other services, the onset gap
// to the incident's first onset, the alert's service's direct callers
// alerting near its onset / all, and the same for the service ranked
// first before it. A diagnostic for the evaluation (internal/eval's
// TestTakeOverDiag); it changes nothing.
func (e *Engine) TakeOverDetail(fp string, now time.Time) string {
	st := e.alerts[fp]
	if st == nil || st.Service == "" || !e.graph.HasNode(st.Service) {
		return ""
	}
	inc := e.incidents[st.incident]
	if inc == nil || len(inc.members) < 2 {
		return ""
	}
	hops, ok := e.takenOver(inc, st)
	if !ok {
		return ""
	}
	others := 0
	for s := range inc.services {
		if s != st.Service {
			others++
		}
	}
	root := e.rankBefore(inc, st.Service)
	a, n := e.callerCounts(st.Service, st.StartsAt, now)
	ra, rn := e.callerCounts(root, inc.firstCause, now)
	line := fmt.Sprintf("hops=%d svcs=%d gap=%s callers=%d/%d rootcallers=%d/%d",
		hops, others, gapBucket(st.StartsAt.Sub(inc.firstCause)), a, n, ra, rn)
	if !e.tracesActive() {
		return line
	}
	// What the spans said of the pair: the root's calls toward st's
	// service (evidence.Link: 0 unknown, 1 linked, 2 unlinked), st's
	// service an origin, quiet, its spans in the window.
	return fmt.Sprintf("%s spans: L(root->it)=%d O=%v Q=%v spans=%d Oroot=%v",
		line, e.cfg.Evidence.Link(root, st.Service, e.cfg.MaxHops, now), e.originates(st.Service),
		e.quiet(st.Service), e.cfg.Evidence.Origin(st.Service, now).Spans, e.originates(root))
}

// takenOver reports whether st, a member of inc but not its first,
// relates to inc's other members only as their dependency (no other
// member on its service or a dependency of it), and the fewest hops.
func (e *Engine) takenOver(inc *incident, st *alertState) (int, bool) {
	if inc.members[0] == st.Fingerprint {
		return 0, false
	}
	deps := map[string]bool{st.Service: true}
	for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
		deps[d.Service] = true
	}
	hops := 0
	for _, c := range e.graph.CallerList(st.Service, e.cfg.MaxHops) {
		if len(inc.services[c.Service]) > 0 && hops == 0 {
			hops = c.Hops
		}
	}
	for _, m := range inc.members {
		if o := e.alerts[m]; o != nil && m != st.Fingerprint && deps[o.Service] {
			return 0, false
		}
	}
	return hops, hops > 0
}

// rankBefore is the first ranked service of inc other than svc.
func (e *Engine) rankBefore(inc *incident, svc string) string {
	for _, s := range inc.ranking {
		if s != svc {
			return s
		}
	}
	return ""
}
