package correlate

import "github.com/quell-otel/quell/internal/evidence"

// A union's reach, read in the spans. unite takes beside an alert's best
// incident the incidents whose root calls the alert's service within
// MaxHops, as their deeper root: on the graph alone, their callers'
// failures could be its. When the spans show that root's calls well
// observed with no anomalous path down to the alert's service
// (evidence.Unlinked), its failures are not passing through there: a
// maintenance alert or a second fault's alert on a service upstream,
// opened on its own, stays on its own. Unknown (too few calls) unites as
// before; so does every union without spans.

// unionShows reports whether the spans leave room for c's root to fail
// through st's service.
func (e *Engine) unionShows(st *alertState, c cand) bool {
	if !e.tracesActive() {
		return true
	}
	root := e.rootService(c.inc)
	return root == st.Service || e.cfg.Evidence.Link(root, st.Service, e.cfg.MaxHops, e.now) != evidence.Unlinked
}
