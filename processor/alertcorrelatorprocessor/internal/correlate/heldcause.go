package correlate

import (
	"slices"
	"time"
)

// A held cause: an alert that opened its incident while its service's
// direct callers did not show it (specific.go) is no cause for its callers
// either, until they do. Without recent spans, an unrelated alert on a
// dependency (a maintenance window, a disk) that opens just before a fault
// on one of its callers would otherwise take the fault's alerts in as its
// symptoms and rank first in their page: its first symptom looks the same
// as a real root's. So while the held alert's callers do not show it, an
// alert does not join its incident as its symptom; it opens (or joins)
// another. A real root's callers go on alerting: once they show it, the
// held incident takes over the incidents of its callers that opened near
// its onset, later ones included (retryHeldBelow), as a take-over would
// have. With recent spans nothing here applies.

// heldCause reports whether inc is held by its opening alert on d, whose
// direct callers still do not show it, and holds no other service yet.
func (e *Engine) heldCause(inc *incident, d string, now time.Time) bool {
	if inc.heldRoot == "" || len(inc.services) > 1 || e.tracesActive() {
		return false
	}
	hs := e.alerts[inc.heldRoot]
	return hs != nil && hs.incident == inc.id && hs.Service == d && !e.explainsCallers(hs, now)
}

// dropHeldCauses returns no candidate when every one of st's relations is
// as a symptom of a held cause (heldCause) on a dependency; otherwise
// cands as they are (st has another relation to judge by).
func (e *Engine) dropHeldCauses(st *alertState, cands []cand, now time.Time) []cand {
	for _, c := range cands {
		if !c.symptom || c.hops == 0 || !e.heldCause(c.inc, e.heldService(c.inc), now) {
			return cands
		}
	}
	return nil
}

// heldService is the service of inc's held root, or "".
func (e *Engine) heldService(inc *incident) string {
	if hs := e.alerts[inc.heldRoot]; hs != nil {
		return hs.Service
	}
	return ""
}

// retryHeldBelow, after st joined its incident, lets each held incident
// on a dependency of st's service within MaxHops take over the incidents
// it is the deeper root of, once its callers show it (retryTakeOver):
// those open when it arrived, and those opened after it by an alert it
// was refused as a cause of (incident.waitsFor).
func (e *Engine) retryHeldBelow(st *alertState, now time.Time) {
	if e.tracesActive() || st.Service == "" || !e.graph.HasNode(st.Service) {
		return
	}
	var held []*incident
	for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
		for inc := range e.incidentsOn(d.Service) {
			if inc.heldRoot != "" && inc.id != st.incident && !slices.Contains(held, inc) {
				held = append(held, inc)
			}
		}
	}
	for _, inc := range held {
		if e.incidents[inc.id] == inc {
			e.retryTakeOver(inc, now)
		}
	}
}

// refusedHeld returns the held cause (heldCause) on a dependency of st's
// service within MaxHops that st relates to as a symptom, or nil. The
// incident st opens is then no onset unrelated to the others (burst.go),
// and it waits for the held cause (retryHeldBelow).
func (e *Engine) refusedHeld(st *alertState, now time.Time) *incident {
	if e.tracesActive() || st.Service == "" || !e.graph.HasNode(st.Service) {
		return nil
	}
	for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
		for inc := range e.incidentsOn(d.Service) {
			if t, ok := inc.causes[d.Service]; ok && e.live(inc, now) && e.nearHops(st.StartsAt, t, d.Hops) && e.heldCause(inc, d.Service, now) {
				return inc
			}
		}
	}
	return nil
}

// allWaitFor reports whether every candidate's incident waits for held:
// opened by an alert refused only as held's symptom (and taken, in a
// burst, only when held's callers show a fault: burstwait.go), it is
// held's own symptom whatever onsets came around held's since.
func allWaitFor(cands []cand, held *incident) bool {
	for _, c := range cands {
		if c.inc.waitsFor != held.id {
			return false
		}
	}
	return true
}
