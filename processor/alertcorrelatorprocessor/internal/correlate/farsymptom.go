package correlate

import (
	"slices"

	"github.com/quell-otel/quell/internal/evidence"
)

// A far symptom on a healthy path. An alert two or more hops above the
// nearest alert that explains it, when that alert is not the incident's
// probable root, claims a weak relation: it would be a symptom of a
// symptom, and most services sit within a few hops of some alerting
// caller of a wide fault. The traces can test the claim. Were its trouble
// the incident's, its calls would fail or slow on their way down; when
// the spans show its service quiet (evidence.Quiet: well observed,
// nothing failing or slow in or around it) and its calls, well observed,
// healthy toward both the explaining alert's service and the root
// (evidence.Unlinked, not merely Unknown), nothing connects it: an
// unrelated or maintenance alert on a service near the fault's edge. It
// does not join that incident. A direct caller of an alerting service, or
// a relation to the root itself, keeps its relation whatever the spans
// say: the spans are sparse and a real symptom's calls often read
// healthy in them. Without recent spans nothing here applies.

// dropFarHealthySymptoms removes st's symptom relations that are far and
// healthy in the sense above.
func (e *Engine) dropFarHealthySymptoms(st *alertState, cands []cand) []cand {
	if len(cands) == 0 || !e.quiet(st.Service) {
		return cands
	}
	return slices.DeleteFunc(cands, func(c cand) bool {
		return c.symptom && c.hops >= 2 && e.farAndHealthy(st.Service, c)
	})
}

// farAndHealthy reports whether every alerting service of c's incident
// at c.hops below s (the ones explaining s's alert) is other than the
// incident's root, and the traces show s's calls healthy toward each of
// them and toward the root.
func (e *Engine) farAndHealthy(s string, c cand) bool {
	root := e.rootService(c.inc)
	if e.cfg.Evidence.Link(s, root, e.cfg.MaxHops, e.now) != evidence.Unlinked {
		return false
	}
	for _, d := range e.graph.DependencyList(s, e.cfg.MaxHops) {
		if d.Hops != c.hops {
			continue
		}
		if _, ok := c.inc.causes[d.Service]; !ok {
			continue
		}
		if d.Service == root || e.cfg.Evidence.Link(s, d.Service, e.cfg.MaxHops, e.now) != evidence.Unlinked {
			return false
		}
	}
	return true
}
