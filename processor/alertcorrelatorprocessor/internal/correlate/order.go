package correlate

import (
	"iter"
	"maps"
	"slices"
	"strings"
)

// A correlator must page alike on the same alerts: two replicas, or one
// restarted, fed the same notifications. Go draws a map's iteration order
// anew at every range, so a rule that acts on the incidents of a service
// one after another (merging them, taking them over, returning the first
// that fits) must not read them in byService's order: which incident
// survives a merge of two paged at the same second, which held cause an
// alert waits for, which members join first (a service's representative
// alert among two of one onset and severity) would change from run to
// run. Those rules read them by id (fifty-first pass). A rule that only
// asks whether one of them fits, or collects candidates it sorts
// (sortCands), may range over the map. spansSpeak reads the alerting
// services by name for a like reason (informative.go).

// incidentsOn yields the incidents holding an alert on svc, by id. An
// incident dropped from svc while the caller acts on an earlier one (merged
// away) is not yielded, as a map range would not yield it; one added is
// not either.
func (e *Engine) incidentsOn(svc string) iter.Seq[*incident] {
	return func(yield func(*incident) bool) {
		set := e.byService[svc]
		if len(set) < 2 {
			for _, inc := range set {
				yield(inc)
			}
			return
		}
		incs := slices.SortedFunc(maps.Values(set), func(a, b *incident) int { return strings.Compare(a.id, b.id) })
		for _, inc := range incs {
			if e.byService[svc][inc.id] != inc {
				continue
			}
			if !yield(inc) {
				return
			}
		}
	}
}
