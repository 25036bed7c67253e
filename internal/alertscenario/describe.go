package alertscenario

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DescribePages returns one line per page of an outcome, in the order they
// paged: when (from the scenario's first notification), the ranked root,
// and the true incidents of its alerts (id, kind, root, episodes); then a
// line per true incident none of whose alerts paged. Two runs of one
// scenario (in-process and end to end) compare line by line.
func DescribePages(s *Scenario, o Outcome) []string {
	members := map[string]map[int]int{} // page -> truth -> episodes
	paged := map[int]bool{}
	for ep, page := range o.Assign {
		if members[page] == nil {
			members[page] = map[int]int{}
		}
		members[page][s.EpisodeTruth[ep]]++
		paged[s.EpisodeTruth[ep]] = true
	}
	pages := make([]string, 0, len(o.PagedAt))
	for id := range o.PagedAt {
		pages = append(pages, id)
	}
	slices.SortFunc(pages, func(a, b string) int { return o.PagedAt[a].Compare(o.PagedAt[b]) })
	t0 := s.Notifications[0].At
	var out []string
	for _, id := range pages {
		root := "?"
		if r := o.Ranking[id]; len(r) > 0 {
			root = r[0]
		}
		truths := make([]int, 0, len(members[id]))
		for tid := range members[id] {
			truths = append(truths, tid)
		}
		slices.Sort(truths)
		parts := make([]string, 0, len(truths))
		for _, tid := range truths {
			tr := s.Truths[tid]
			parts = append(parts, fmt.Sprintf("T%d %s %s x%d", tid, tr.Kind, tr.Root, members[id][tid]))
		}
		out = append(out, fmt.Sprintf("page +%s root %s: %s", o.PagedAt[id].Sub(t0).Round(time.Second), root, strings.Join(parts, ", ")))
	}
	seen := map[int]bool{}
	for _, tid := range s.EpisodeTruth {
		if !paged[tid] && !seen[tid] {
			seen[tid] = true
			tr := s.Truths[tid]
			out = append(out, fmt.Sprintf("never paged: T%d %s %s (onset +%s)", tid, tr.Kind, tr.Root, tr.Onset.Sub(t0).Round(time.Second)))
		}
	}
	return out
}
