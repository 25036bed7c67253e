package correlate

import "slices"

// A symptom's service that now fails on its own. A service already
// alerting in an incident, not as its root, alerts there as a symptom:
// its calls fail toward the incident's root. The same-service relation
// (match.go) joins its further alert to that incident, and the graph joins
// it as a symptom of the root its failing calls lead to. When the spans
// show errors or latency originating in the service itself at the further
// alert's onset (evidence.Origin: its own spans fail with no failing
// child, or run slow on their own), something began there that the
// root's failure does not explain: a second fault on a caller of the
// first (issue 13's "the second fault starts while the first is still
// open, on a neighbouring service"). A symptom's failures come up its
// calls, so its spans show failing children, not origins. The further
// alert then joins no incident through that one; it opens its own (or
// joins another), as it did where severities differ, the second root
// more severe than the symptoms it would join (severity_splits). With one
// severity for every alert (sock-shop, layered-400, hotel-reservation;
// EVAL_CONVENTION=flat on the tuning families) nothing else told the two
// apart (eighty-fourth pass: on the tuning families' draw 0 with traces,
// every alert that joined through the same-service relation while its
// service read as an origin was another fault's). The incident's root
// keeps its further alerts, whatever its spans show; without spans that
// speak of the alerts nothing changes.

// dropSymptomOrigins removes the candidates in which st's service already
// alerts, not as their root, when the traces show errors or latency
// originating in st's service.
func (e *Engine) dropSymptomOrigins(st *alertState, cands []cand) []cand {
	if len(cands) == 0 || !e.originates(st.Service) {
		return cands
	}
	return slices.DeleteFunc(cands, func(c cand) bool {
		_, ok := c.inc.causes[st.Service]
		return ok && e.rootService(c.inc) != st.Service
	})
}
