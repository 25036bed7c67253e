package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/evidence"
)

// A far symptom read again once its incident's root stands. An alert two
// or more hops above the nearest member that explains it, that member not
// the incident's root, claims a weak relation: a symptom of a symptom,
// and most services sit within a few hops of some alerting caller of a
// wide fault. At its join the claim cannot be tested: the root may not
// have alerted yet (a caller often alerts first), and refusing it then
// refused real symptoms whose root lagged (the fifty-seventh pass). So it
// joins, and half an evidence window later, once, it is read against the
// root that then stands (an alerting member's service): were its trouble
// the incident's, its calls would fail or slow on their way down by now.
// When the spans show its service quiet (well observed, nothing failing
// or slow in or around it) and its calls, well observed, healthy toward
// the root and toward every member explaining it (evidence.Unlinked, not
// merely Unknown: absence of spans refutes nothing), it leaves for an
// incident of its own, as it would have stood alone; the page it leaves
// is updated. A direct caller, or a symptom whose nearest explaining
// member is the root, is never read here. The reading is due once: the
// queue entry records it (saved with the rechecks).

// farReadDue reports whether r's one far reading is due now, and marks it
// done: half an evidence window after the join.
func (e *Engine) farReadDue(r *recheck, now time.Time) bool {
	if r.farRead || now.Before(r.until.Add(-e.cfg.Evidence.Window()/2)) {
		return false
	}
	r.farRead = true
	return true
}

// farAndHealthyNow reports whether st, a symptom member of inc, is far
// from the members explaining it, none of them the root that stands now,
// and the spans show it healthy toward them and that root.
func (e *Engine) farAndHealthyNow(st *alertState, inc *incident) bool {
	root := e.rootService(inc)
	if root == st.Service || inc.services[root] == 0 || !e.quiet(st.Service) {
		return false
	}
	rel, hops, by := e.nearestMember(inc, st)
	if rel != "symptom" || hops < 2 || by.Service == root {
		return false
	}
	ev := e.cfg.Evidence
	if ev.Link(st.Service, root, e.cfg.MaxHops, e.now) != evidence.Unlinked {
		return false
	}
	for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
		if d.Hops != hops || inc.services[d.Service] == 0 {
			continue
		}
		if d.Service == root || ev.Link(st.Service, d.Service, e.cfg.MaxHops, e.now) != evidence.Unlinked {
			return false
		}
	}
	return true
}
