package correlate

// A lone alerting caller of a failing dependency that never alerts. The
// most common shape of a silent dependency (silentdep.go) has one
// service in front of it: a database or a cache with no alert rule of its
// own, and the one service that calls it alerting (under rule-paced
// alerting, 29 of the 43 traced silent roots of the tuning rows, draw 0:
// EVALUATION.md, fifty-sixth pass). Nothing gathers there, so
// silentDependency does not name it; with spans, await.go holds the
// page for the cause outside the incident and, when it never alerts,
// pages naming the caller. So when the page goes out, or the incident
// changes after, and the traces show its root's service failing only
// through its calls (no errors or latency originating in it), its
// failing or slow calls to a direct dependency (evidence.Link over that
// one edge is Linked), and errors or latency originating in that
// dependency of its own (ownCause), with no alert on it in any open
// incident, the incident names it as its probable root (silentRoot,
// first in the ranking; the evidence line reads its origin share and the
// alerting services' calls through it). The one with the highest origin
// share when several qualify. Only with spans: alerts only, or with the
// dependency healthy in the spans, nothing changes. Once named it stays
// (shownSilentRoot shows it while no alert on it joins and the root is
// one of its direct callers; when it alerts it takes the incident over as
// any deeper root does). Restarts: the name is saved with the incident
// (IncidentState.SilentRoot); the spans are the tracker's.

// nameLoneSilentRoot names inc's silent root when its root is a lone
// caller of a failing dependency with no alert (see above).
func (e *Engine) nameLoneSilentRoot(inc *incident) {
	if inc.silentRoot != "" || !e.tracesActive() {
		return
	}
	if d := e.loneSilentDependency(inc); d != "" {
		inc.silentRoot = d
	}
}

// loneSilentDependency returns the direct dependency of inc's root
// service, with no alert in any open incident, that the spans show as
// the origin of the root's failing calls; failing that, one under
// another of its alerting services when the spans read the root quiet
// (silentbelow.go): "" when none.
func (e *Engine) loneSilentDependency(inc *incident) string {
	c := e.rootService(inc)
	if c == "" || !e.graph.HasNode(c) || e.originates(c) {
		return ""
	}
	if d, _ := e.silentDependencyBelow(inc, c); d != "" {
		return d
	}
	return e.silentBelowMember(inc, c)
}
