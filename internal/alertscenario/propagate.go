package alertscenario

import "math/rand/v2"

// walkCallers walks a fault up root's callers, hop by hop, each service
// once: a caller at hop h is reached with probability prob[h-1], and
// only a reached caller passes the fault on to its own callers. reached
// is called for each reached caller as it is drawn (it may draw from rng
// too). It returns every service visited, reached or not.
func walkCallers(rng *rand.Rand, callers map[string][]string, root string, prob []float64, reached func(c string, hop int)) map[string]bool {
	frontier := []string{root}
	seen := map[string]bool{root: true}
	for hop := 1; hop <= len(prob); hop++ {
		var next []string
		for _, n := range frontier {
			for _, c := range callers[n] {
				if seen[c] {
					continue
				}
				seen[c] = true
				if rng.Float64() >= prob[hop-1] {
					continue
				}
				next = append(next, c)
				reached(c, hop)
			}
		}
		frontier = next
	}
	return seen
}
