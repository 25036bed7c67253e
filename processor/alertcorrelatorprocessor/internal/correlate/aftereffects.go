package correlate

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// A take-over (st, on a dependency of an incident's root, becomes that
// incident's deeper root) says st's trouble caused the root's, and so the
// root's symptoms'. A cause comes before its effects. When the incident
// already shows where its failure began, its root alerting first and
// other services' alerts following it, and st alerts only after all of
// them, st arrived after the failure it would explain had spread: it is
// trouble of its own (an unrelated alert on the root's dependency, a
// second fault below the first), not the first one's origin
// (ninety-third pass: on one severity and opaque rule names such alerts
// took fault incidents over; severity_splits had refused them because
// the root outranked the symptoms).
//
// An incident with one service shows no order yet: a caller often alerts
// before the dependency whose failure it reports (a retry storm, a rule
// with a shorter `for:`), so a lone caller's incident is still taken
// over. The order is read from onsets only; no severity, rule name or
// fixed delay.

// dropAfterEffects removes st's take-over candidates whose incident's
// root alerted first, with at least one other service alerting after it,
// and all before st.
func (e *Engine) dropAfterEffects(st *alertState, cands []cand) []cand {
	if os.Getenv("QUELL_AFTEREFFECTS") == "off" {
		return cands
	}
	out := cands[:0]
	for _, c := range cands {
		if c.symptom || !e.spreadBefore(c.inc, st) {
			out = append(out, c)
		}
	}
	return out
}

func (e *Engine) dropAfterEffectsAt(site string, st *alertState, cands []cand) []cand {
	if v := os.Getenv("QUELL_AE_SITES"); v != "" && !strings.Contains(v, site) {
		return cands
	}
	return e.dropAfterEffects(st, cands)
}

// spreadBefore reports whether inc's root's onset is its first, another
// service alerts in it, and every onset in it precedes st's.
func (e *Engine) spreadBefore(inc *incident, st *alertState) bool {
	root := e.rootService(inc)
	t, ok := inc.causes[root]
	if !ok || len(inc.causes) < aeMin() || t.After(inc.firstCause) {
		return false
	}
	for svc, at := range inc.causes {
		if svc == st.Service || !at.Before(st.StartsAt) {
			return false
		}
		if svc != root && os.Getenv("QUELL_AE_ORDERED") != "" && !e.followsDependency(inc, svc, at) {
			return false
		}
	}
	return true
}

// followsDependency reports whether one of svc's dependencies alerting in
// inc alerted before at.
func (e *Engine) followsDependency(inc *incident, svc string, at time.Time) bool {
	for _, d := range e.graph.DependencyList(svc, e.cfg.MaxHops) {
		if t, ok := inc.causes[d.Service]; ok && t.Before(at) {
			return true
		}
	}
	return false
}

func aeMin() int {
	if v, err := strconv.Atoi(os.Getenv("QUELL_AE_MIN")); err == nil {
		return v
	}
	return 2
}
