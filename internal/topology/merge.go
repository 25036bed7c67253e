package topology

import (
	"slices"
	"strings"
	"time"
)

// EdgeDelta is a learned edge and the calls that taught it since the
// previous Deltas call: what an observer forwards to a correlator elsewhere.
type EdgeDelta struct {
	From, To, Kind string
	Calls          uint64
}

// Deltas returns, sorted, every learned edge observed since the previous
// call, with its calls since then. Static edges are not reported.
func (g *Graph) Deltas() []EdgeDelta {
	g.mu.Lock()
	defer g.mu.Unlock()
	var d []EdgeDelta
	for k, e := range g.edges {
		if e.static || e.count == e.taken {
			continue
		}
		d = append(d, EdgeDelta{From: k.from, To: k.to, Kind: e.kind, Calls: e.count - e.taken})
		e.taken = e.count
	}
	slices.SortFunc(d, func(a, b EdgeDelta) int {
		if c := strings.Compare(a.From, b.From); c != 0 {
			return c
		}
		return strings.Compare(a.To, b.To)
	})
	return d
}

// Merge adds an edge another collector learned: as Observe, calls times,
// seen at `at`. It returns whether the edge is new, or ErrFull (counted).
func (g *Graph) Merge(d EdgeDelta, at time.Time) (bool, error) {
	if d.Calls == 0 {
		return false, nil
	}
	added, err := g.Observe(d.From, d.To, d.Kind, at)
	if err != nil || d.Calls == 1 {
		return added, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.edges[edgeKey{d.From, d.To}]; ok {
		e.count += d.Calls - 1
	}
	return added, nil
}
