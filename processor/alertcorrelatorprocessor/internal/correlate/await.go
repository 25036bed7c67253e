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
// layered-300 storms, with traces, 12 pages of 112 ended merged so).
// When the traces show no errors or latency originating in the
// incident's probable root, but show them originating, of their own
// (evidence.Unexplained, or slow self time), in a dependency within
// max_hops that has not alerted, and do not show the calls between them
// healthy (evidence.Link is not Unlinked: at scale the sampled calls
// along a path of two or three hops are often too few to read Linked), the
// page waits, at most one evidence window past group_wait, for that cause
// to alert and take it over. Nothing waits without traces, and a page
// waits no longer than that window. The rules that place alerts are
// unchanged; only the page waits.

// awaitsCause reports whether inc's page waits for its cause to alert.
func (e *Engine) awaitsCause(inc *incident, now time.Time) bool {
	if !e.tracesActive() || now.Sub(inc.firstSeen) >= e.groupWait(inc)+e.cfg.Evidence.Window() {
		return false
	}
	root := e.rootService(inc)
	if root == "" || !e.graph.HasNode(root) || e.originates(root) {
		return false
	}
	for _, d := range e.graph.DependencyList(root, e.cfg.MaxHops) {
		if len(e.byService[d.Service]) > 0 {
			continue // alerting: the graph relates them already
		}
		if e.ownCause(d.Service) && e.cfg.Evidence.Link(root, d.Service, e.cfg.MaxHops, e.now) != evidence.Unlinked {
			return true
		}
	}
	return false
}
