package correlate

// A root explained elsewhere. An alert on a dependency of an incident's
// root takes the incident over as its deeper root when the root is no
// cause of its own (match.go, deeperRootOf). With recent spans, a root
// whose failing calls lead (evidence.Link Linked) to another service that
// is a cause of its own, and not to the new alert's service, already has
// its explanation: the new alert is a concurrent fault or noise on a
// neighbour, and takes nothing over. Where the spans say nothing of the
// root's calls, the take-over stands.

// explainedElsewhere reports whether the traces show root's failing calls
// leading to a cause of its own other than svc, and not to svc.
func (e *Engine) explainedElsewhere(root, svc string) bool {
	if !e.tracesActive() || e.failuresTravel(root, svc) {
		return false
	}
	for _, d := range e.graph.DependencyList(root, e.cfg.MaxHops) {
		if d.Service != svc && e.ownCause(d.Service) && e.failuresTravel(root, d.Service) {
			return true
		}
	}
	return false
}
