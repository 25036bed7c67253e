package correlate

import (
	"maps"
	"slices"

	"github.com/quell-otel/quell/internal/evidence"
)

// A failing dependency that never alerts, under a page whose named root
// the spans read healthy. Under one severity nothing keeps an unrelated
// alert on a dependency of the silent root's one alerting caller out of
// that caller's page, and the ranking (the deepest alerting service
// first) names the unrelated alert: the page names a service the spans
// show well observed with nothing failing (evidence.Quiet), while the
// spans show the caller's calls to a dependency with no alert failing
// and errors or latency originating there (EVALUATION.md,
// eighty-seventh pass: of the traced faults of the tuning rows whose
// root never alerted under rule-paced alerting and one severity, the
// largest class; lonesilent.go reads the root's service only, so it
// did not name them). So when a page goes out, or changes after, and
// lonesilent.go finds nothing under its root, and the spans read that
// root quiet, another alerting service of the incident that originates
// nothing, whose failures do not travel to the root, with a direct
// dependency d as lonesilent.go asks (no alert on d in any open
// incident, errors or latency of d's own, the service's calls to d
// Linked), names d as the incident's silent root; the highest origin
// share when several qualify. Real behaviour: a healthy service is not
// the cause of a failure, and the spans say where the failing service's
// errors start. Nothing of the generator's: quiet, the origin, the
// explained reading and the link are the tracker's own, each against
// its window's baseline. Only with spans: alerts only nothing changes.
// The name is shown (shownSilentRoot) while no alert on d joins, one of
// the incident's services still calls d and its root originates
// nothing. Restarts: the name is saved as lonesilent.go's is.

// silentBelowMember returns the silent dependency of an alerting service
// of inc other than its root service c, when the spans read c quiet
// (see above): "" when none.
func (e *Engine) silentBelowMember(inc *incident, c string) string {
	if !e.quiet(c) {
		return ""
	}
	best, bestRank := "", 0.0
	for _, m := range slices.Sorted(maps.Keys(inc.services)) {
		if m == c || !e.graph.HasNode(m) || e.originates(m) || e.failuresTravel(m, c) {
			continue
		}
		if d, r := e.silentDependencyBelow(inc, m); r > bestRank {
			best, bestRank = d, r
		}
	}
	return best
}

// silentDependencyBelow returns the direct dependency of c with no alert
// in any open incident (nor in inc) that the spans show failing c's calls
// with errors or latency of its own, with its origin rank: the highest
// when several qualify, "" and 0 when none.
func (e *Engine) silentDependencyBelow(inc *incident, c string) (string, float64) {
	best, bestRank := "", 0.0
	for _, dep := range e.graph.DependencyList(c, 1) {
		d := dep.Service
		if len(inc.services[d]) > 0 || len(e.byService[d]) > 0 || !e.ownCause(d) {
			continue
		}
		if e.cfg.Evidence.Link(c, d, 1, e.now) != evidence.Linked {
			continue
		}
		if r := e.originRank(d); r > bestRank {
			best, bestRank = d, r
		}
	}
	return best, bestRank
}

// shownBelowMember reports whether inc still holds what named d under one
// of its alerting services (silentBelowMember): a direct caller of d
// among its services, and its root service not an origin in the spans.
func (e *Engine) shownBelowMember(inc *incident, d string) bool {
	if e.originates(e.rootService(inc)) {
		return false
	}
	for m := range inc.services {
		if h, ok := e.graph.Hops(m, d, 1); ok && h == 1 {
			return true
		}
	}
	return false
}
