package evidence

import (
	"slices"
	"time"
)

// Reached lists, sorted, the services an anomalous path (failing or slow
// calls beyond their own baseline, as Link reads them) leads to from
// `from` within maxHops at now: every service Link(from, x) would read
// Linked.
func (t *Tracker) Reached(from string, maxHops int, now time.Time) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	seen := map[string]bool{from: true}
	var out []string
	frontier := []string{from}
	for range maxHops {
		var next []string
		for _, n := range frontier {
			for callee, w := range t.out[n] {
				if seen[callee] || !t.edgeAnomalous(w, b) {
					continue
				}
				seen[callee] = true
				out = append(out, callee)
				next = append(next, callee)
			}
		}
		frontier = next
	}
	slices.Sort(out)
	return out
}
