package correlate

import (
	"fmt"
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
			out = append(out, c.Service+": "+e.lateApartRefusal(st, src, c.Service, now))
		}
	}
	return strings.Join(out, "; ")
}

// lateApartRefusal names the first lateApart condition c's alert in src
// fails for st, or "moves".
func (e *Engine) lateApartRefusal(st *alertState, src *incident, c string, now time.Time) string {
	t, ok := src.causes[c]
	r := e.rootService(src)
	switch {
	case e.cfg.OnsetWindow <= 0 || e.cfg.Burst.Window <= 0:
		return "off"
	case e.inBurst(st):
		return "in a burst"
	case !e.explainsLate(st, now):
		return "new alert does not explain its callers"
	case !ok || !e.showsLate(st.StartsAt, t):
		return "caller's onset does not show it"
	case r == "" || r == c:
		return "caller is the other incident's root"
	case r == st.Service || e.reaches(st.Service, r):
		return "new alert's service reaches the other root"
	case e.tracesActive() && !e.failuresTravel(c, st.Service):
		return "spans: calls do not fail toward it"
	case e.tracesActive() && e.failuresTravel(c, r):
		return "spans: calls fail toward the other root"
	}
	n := e.crossingCallers(st.Service, c, r, src, t, now)
	if n < lateSiblingsNeeded {
		return fmt.Sprintf("%d crossing siblings", n)
	}
	return "moves"
}
