package correlate

import "github.com/quell-otel/quell/internal/evidence"

// A take-over the spans do not show. A dependency's alert takes its
// callers' incident over as the deeper root because, were its service
// failing, the root's failures would come from it. When the spans speak
// (a fault shows in them: informative.go), a service that really fails
// shows it in one of two ways: errors or latency originate in its own
// spans, or the root's calls toward it fail (evidence.Link: Linked).
// An alert on a callee of the root that shows neither -- its own spans
// thin or healthy, the root's calls toward it too few to read, or
// healthy -- is not yet that root's cause: in a storm it is as often a
// neighbour's own trouble (a disk, a certificate, a probe) under a rule
// name and severity that say nothing (EVALUATION.md, eighty-third pass:
// with spans, the take-overs by noise alerts on the tuning families read
// no origin in the taking service, those by the faults' roots nearly
// always one). It opens an incident of its own, and gate.go's retry
// takes the refused incidents over once errors or latency originate in
// its service within the evidence window (a root whose spans lag its
// alert). gate.go, which refuses the take-overs of a quiet service, is
// this rule's strict case; both mark the alert for the retry there.
// Without spans that speak nothing here applies.

// unshownTakeOver reports whether the spans, speaking, show nothing of
// st's service failing beneath the root of inc, which st would take over.
func (e *Engine) unshownTakeOver(st *alertState, inc *incident) bool {
	if !e.tracesActive() || e.originates(st.Service) {
		return false
	}
	root := e.rootService(inc)
	if root == "" || root == st.Service {
		return false
	}
	return e.cfg.Evidence.Link(root, st.Service, e.cfg.MaxHops, e.now) != evidence.Linked
}
