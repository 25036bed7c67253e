package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/evidence"
)

// A page held for its cause. Callers of a failing service often alert
// before it does (their error rate crosses a threshold first, or their
// rules evaluate sooner): each opens an incident of its own, the graph
// relating none of them to another, and each pages after group_wait; when
// the failing service alerts at last it takes them over as their deeper
// root and merges them, but every page has gone out already (on the
// layered-300 storms, with traces, 12 pages of 112 ended merged so). The
// same holds for an alert the burst or quiet rules kept apart from an
// alerting cause, which the cause gathers (attribute.go) once the spans
// show its failing calls reaching it, often after group_wait.
// So when the traces show no errors or latency originating in the
// incident's probable root, but show them originating, of their own
// (evidence.Unexplained, or slow self time), in a service it reaches
// within max_hops that is not in the incident and may still take it over
// (it has not alerted, or alerted within the last evidence window, so it
// is still read as an origin), and do not show the calls
// between them healthy (evidence.Link is not Unlinked: at scale the
// sampled calls along two or three hops are often too few to read
// Linked), the page waits for that cause to take the incident over, at
// most CauseWait (correlation.cause_wait) past group_wait. Nothing waits
// without traces, or with CauseWait zero.
// The rules that place alerts are unchanged; only the page waits.

// awaitsCause reports whether inc's page waits for its cause.
func (e *Engine) awaitsCause(inc *incident, now time.Time) bool {
	if e.cfg.CauseWait <= 0 || !e.tracesActive() || now.Sub(inc.firstSeen) >= e.groupWait(inc)+e.cfg.CauseWait {
		return false
	}
	// The evidence moves by buckets of seconds: reading it once a second
	// per waiting incident is enough however often Advance runs.
	if now.Sub(inc.awaitRead) < time.Second {
		return inc.awaiting
	}
	inc.awaitRead, inc.awaiting = now, e.causeOutside(inc, now)
	return inc.awaiting
}

// causeOutside reports whether the traces show a cause of inc's root
// outside inc that may still take it over (see the comment at the top).
func (e *Engine) causeOutside(inc *incident, now time.Time) bool {
	root := e.rootService(inc)
	if root == "" || !e.graph.HasNode(root) || e.originates(root) {
		return false
	}
	for _, d := range e.graph.DependencyList(root, e.cfg.MaxHops) {
		if len(inc.services[d.Service]) > 0 || !e.mayTakeOver(d.Service, now) {
			continue
		}
		if e.ownCause(d.Service) && e.cfg.Evidence.Link(root, d.Service, e.cfg.MaxHops, e.now) != evidence.Unlinked {
			return true
		}
	}
	return false
}

// mayTakeOver reports whether an alert on svc may still take an incident
// over: none has opened there yet, or one opened within the last evidence
// window (it is still read as an origin and gathers, attribute.go).
func (e *Engine) mayTakeOver(svc string, now time.Time) bool {
	for _, inc := range e.byService[svc] {
		if t, ok := inc.causes[svc]; ok && now.Sub(t) > e.cfg.Evidence.Window() {
			return false
		}
	}
	return true
}
