package correlate

import (
	"strings"
	"time"
)

// LateApartDetail says, right after an alert's first firing was ingested,
// why lateapart.go left each of its service's direct callers' alerts in
// another live incident: the first of lateApart's conditions that failed,
// in its order (the new alert in a burst or not explaining its callers;
// the caller's onset not showing it; the other incident's root the caller
// itself, the new alert's service, or reached by it; with spans, the
// caller's calls not failing toward it or failing toward the other root;
// fewer crossing siblings than needed). "" when no caller sits apart. A
// diagnostic for the evaluation (internal/eval's TestFragDiag, ninety-
// eighth pass); it reads the engine and changes nothing.
func (e *Engine) LateApartDetail(fp string, now time.Time) string {
	st := e.alerts[fp]
	if st == nil || st.Service == "" || !e.graph.HasNode(st.Service) {
		return ""
	}
	inc := e.incidents[st.incident]
	var out []string
	for _, c := range e.graph.CallerList(st.Service, 1) {
		for src := range e.incidentsOn(c.Service) {
			if src == inc || src.storm != "" || !e.live(src, now) {
				continue
			}
			why := e.lateStart(st, now)
			if why == lateMoves {
				why = e.lateApart(st, src, c.Service, now)
			}
			out = append(out, c.Service+": "+lateRefusalText[why])
		}
	}
	return strings.Join(out, "; ")
}

// lateRefusalText is what LateApartDetail says for each refusal.
var lateRefusalText = [...]string{
	lateMoves:            "moves",
	lateOff:              "off",
	lateInBurst:          "in a burst",
	lateUnexplained:      "new alert does not explain its callers",
	lateOnset:            "caller's onset does not show it",
	lateCallerIsRoot:     "caller is the other incident's root",
	lateReachesRoot:      "new alert's service reaches the other root",
	lateNoFailingCalls:   "spans: calls do not fail toward it",
	lateFailsToOtherRoot: "spans: calls fail toward the other root",
	lateFewSiblings:      "fewer crossing siblings than needed",
}
