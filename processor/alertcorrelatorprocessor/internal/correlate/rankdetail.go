package correlate

import "time"

// RankKey is one alerting service of an incident as rank weighs it: the
// keys compareRank reads, in its order.
type RankKey struct {
	Service string
	// Vague: its direct callers do not show it (specific.go; never with
	// spans that speak).
	Vague bool
	// Origin is its standing as an origin of errors or latency in the
	// spans now (originRank; 0 without spans that speak).
	Origin float64
	// ThroughOne: only one alerting direct caller shows it, that caller
	// more broadly shown (throughone.go).
	ThroughOne bool
	// Callers and Deps count the incident's alerting services calling it,
	// and called by it, within MaxHops.
	Callers, Deps int
	Onset         time.Time
}

// RankDetail returns the alerting services of incident id as rank would
// order them now, probable root first, with their keys, and whether the
// spans speak (tracesActive). A diagnostic for the evaluation
// (internal/eval's TestRootWrongDiag); it changes no incident.
func (e *Engine) RankDetail(id string) ([]RankKey, bool) {
	inc := e.incidents[id]
	if inc == nil {
		return nil, false
	}
	var out []RankKey
	for _, c := range e.rankCands(inc) {
		out = append(out, RankKey{
			Service: c.service, Vague: c.vague, Origin: c.origin, ThroughOne: c.throughOne,
			Callers: c.callers, Deps: c.deps, Onset: c.onset,
		})
	}
	return out, e.tracesActive()
}
