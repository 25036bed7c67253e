package correlate

import (
	"slices"
	"time"
)

// The gate an alert passes to join an incident through the graph, with
// trace evidence. A dependency's alert takes over (or unites) its callers'
// incidents as their deeper root because, were it failing, their failures
// would come from it. When the traces show its service well observed with
// no anomaly touching it (evidence.Quiet: nothing failing in it, into it
// or out of it, nothing slow), nothing of the callers' trouble comes from
// it: its alert is about something else (a maintenance window, a disk, a
// certificate), and it opens an incident of its own. A real deeper root
// whose spans lag its alert reads quiet at its onset too: while it waits
// as a possible origin (one evidence window, attribute.go), its refused
// take-overs are tried again once errors or latency originate in its
// service. Without recent spans nothing here applies.

// dropQuietTakeOvers removes the deeper-root relations of st when the
// traces show st's service quiet, its failures within its baseline's
// spread (gatespread.go).
func (e *Engine) dropQuietTakeOvers(st *alertState, cands []cand) []cand {
	cands, st.quietRefused = e.quietTakeOvers(st, cands)
	return cands
}

// quietTakeOvers is dropQuietTakeOvers without marking st: the relations
// left, and whether a take-over was refused (Placement reads it too).
func (e *Engine) quietTakeOvers(st *alertState, cands []cand) ([]cand, bool) {
	if len(cands) == 0 || !e.quietForTakeOver(st.Service) {
		return cands, st.quietRefused
	}
	n := len(cands)
	cands = slices.DeleteFunc(cands, func(c cand) bool { return !c.symptom })
	return cands, len(cands) < n
}

// retryQuietTakeOver lets st, whose take-overs the gate refused while its
// service read quiet, take over the incidents it was refused once the
// traces show errors or latency originating in its service: a deeper root
// whose spans lag its alert (at its onset they showed nothing yet). It
// runs while st waits as a possible origin (attribute.go), under the
// rules findIncident applies to a take-over.
func (e *Engine) retryQuietTakeOver(inc *incident, st *alertState, now time.Time) {
	if !st.quietRefused || !e.originates(st.Service) {
		return
	}
	st.quietRefused = false
	if e.rootService(inc) != st.Service {
		return
	}
	cands := []cand{{inc: inc, symptom: true}}
	e.deeperRootOf(st, now, func(o *incident, _ bool, hops int) {
		if o != inc && !containsInc(cands, o) {
			cands = append(cands, cand{inc: o, hops: hops})
		}
	})
	if e.cfg.SeveritySplits {
		cands = e.splitBySeverity(st, cands)
	}
	if len(cands) > 1 && cands[0].inc == inc && !e.inBurst(st) {
		e.unite(st, cands, now)
	}
}
