package correlate

import (
	"fmt"
	"time"
)

// JoinDetail says, right after an alert's first firing was ingested, how
// it relates to the other members of the incident it joined (read from
// the graph: "same" for another alert on its service, "symptom" of a
// member's service k hops below it, "takeover" when it relates only as a
// dependency) and what the traces said of it then: its service quiet,
// well observed, an origin, a cause of its own; evidence.Link from it to
// the explaining member's service and to the root; whether that service
// and the root read quiet; the onset gap to the explaining alert and
// whether the rule names differ. "" when it opened its incident or is
// alone in it. A diagnostic for the evaluation (internal/eval's
// TestJoinDiag); it changes nothing.
func (e *Engine) JoinDetail(fp string, now time.Time) string {
	st := e.alerts[fp]
	if st == nil || st.Service == "" || !e.graph.HasNode(st.Service) {
		return ""
	}
	inc := e.incidents[st.incident]
	if inc == nil || len(inc.members) < 2 || inc.members[0] == fp {
		return ""
	}
	rel, hops, by := e.nearestMember(inc, st)
	root, isRoot := e.rankBefore(inc, st.Service), e.rootService(inc) == st.Service
	gap, rule := "-", "-"
	if by != nil {
		gap = gapBucket(st.StartsAt.Sub(by.StartsAt))
		if by.StartsAt.After(st.StartsAt) {
			gap = "-" + gapBucket(by.StartsAt.Sub(st.StartsAt))
		}
		rule = fmt.Sprint(by.RuleName != st.RuleName)
	}
	if !e.tracesActive() {
		return fmt.Sprintf("%s hops=%d gap=%s first=%s", rel, hops, gap, gapBucket(st.StartsAt.Sub(inc.firstCause)))
	}
	ev := e.cfg.Evidence
	to := root
	if by != nil {
		to = by.Service
	}
	link := func(a, b string) int {
		if a == b {
			return -1
		}
		return int(ev.Link(a, b, e.cfg.MaxHops, now))
	}
	o := ev.Origin(st.Service, now)
	return fmt.Sprintf("%s isroot=%v to=%s byroot=%v hops=%d Q=%v obs=%v O=%v own=%v L(by)=%d L(root)=%d Qby=%v Qroot=%v Oroot=%v gap=%s rulediff=%v F=%v Froot=%v",
		rel, isRoot, to, to == root, hops, e.quiet(st.Service), o.Spans >= 10, e.originates(st.Service), e.ownCause(st.Service),
		link(st.Service, to), link(st.Service, root), e.quiet(to), e.quiet(root), e.originates(root), gap, rule, st.Service != to && ev.Fresh(st.Service, to, e.cfg.MaxHops, now),
		st.Service != root && ev.Fresh(st.Service, root, e.cfg.MaxHops, now))
}

// nearestMember is st's nearest relation to another member of inc, and
// that member's alert (nil for a take-over).
func (e *Engine) nearestMember(inc *incident, st *alertState) (string, int, *alertState) {
	deps := map[string]int{st.Service: 0}
	for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
		deps[d.Service] = d.Hops
	}
	var by *alertState
	best := 99
	for _, m := range inc.members {
		o := e.alerts[m]
		if o == nil || m == st.Fingerprint {
			continue
		}
		if h, ok := deps[o.Service]; ok && (h < best || h == best && o.StartsAt.Before(by.StartsAt)) {
			best, by = h, o
		}
	}
	switch {
	case by == nil:
		h, _ := e.takenOver(inc, st)
		return "takeover", h, nil
	case best == 0:
		return "same", 0, by
	}
	return "symptom", best, by
}

// PathReading says what the traces say now of svc and its calls toward
// to: svc quiet, an origin, evidence.Link within MaxHops and within one
// hop. A diagnostic for the evaluation (TestJoinDiag).
func (e *Engine) PathReading(svc, to string) string {
	if !e.tracesActive() || svc == to {
		return "-"
	}
	ev := e.cfg.Evidence
	return fmt.Sprintf("Q=%v O=%v L=%d L1=%d", e.quiet(svc), e.originates(svc),
		ev.Link(svc, to, e.cfg.MaxHops, e.now), ev.Link(svc, to, 1, e.now))
}
