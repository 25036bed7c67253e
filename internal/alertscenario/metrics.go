package alertscenario

import (
	"fmt"
	"slices"
	"time"
)

// Score holds the metrics of one method on one scenario.
type Score struct {
	TrueIncidents         int
	Episodes              int // distinct alert firings
	Notifications         int // raw alert records (firing, with repeats)
	Pages                 int
	PagesPerIncident      float64
	Reduction             float64 // 1 - pages/episodes
	ReductionRaw          float64 // 1 - pages/notifications
	Precision, Recall, F1 float64
	AC1, AC3              float64 // over fault incidents
	Missed                int
	// TimeToPage is the median, over fault incidents, of the time from the
	// first alert of the fault to the page of the group holding most of
	// its alerts.
	TimeToPage time.Duration
}

// Evaluate scores an outcome against the scenario's truth.
func Evaluate(s *Scenario, o Outcome) Score {
	var sc Score
	sc.Pages = o.Pages
	for _, n := range s.Notifications {
		if n.State == "firing" {
			sc.Notifications++
		}
	}
	sc.Episodes = len(s.EpisodeTruth)
	hasEpisodes := map[int]bool{}
	for _, t := range s.EpisodeTruth {
		hasEpisodes[t] = true
	}
	sc.TrueIncidents = len(hasEpisodes)
	sc.PagesPerIncident = float64(sc.Pages) / float64(sc.TrueIncidents)
	sc.Reduction = 1 - float64(sc.Pages)/float64(sc.Episodes)
	sc.ReductionRaw = 1 - float64(sc.Pages)/float64(sc.Notifications)

	// Pairwise: over episodes; an episode never paged is its own group.
	group := func(ep int) string {
		if g, ok := o.Assign[ep]; ok {
			return g
		}
		return fmt.Sprintf("unpaged-%d", ep)
	}
	var tp, fp, fn float64
	n := len(s.EpisodeTruth)
	for i := 0; i < n; i++ {
		gi := group(i)
		for j := i + 1; j < n; j++ {
			sameTrue := s.EpisodeTruth[i] == s.EpisodeTruth[j]
			samePred := gi == group(j)
			switch {
			case sameTrue && samePred:
				tp++
			case samePred:
				fp++
			case sameTrue:
				fn++
			}
		}
	}
	if tp+fp > 0 {
		sc.Precision = tp / (tp + fp)
	}
	if tp+fn > 0 {
		sc.Recall = tp / (tp + fn)
	}
	if sc.Precision+sc.Recall > 0 {
		sc.F1 = 2 * sc.Precision * sc.Recall / (sc.Precision + sc.Recall)
	}

	// Majority true incident of every paged group.
	members := map[string][]int{}
	for ep, g := range o.Assign {
		members[g] = append(members[g], ep)
	}
	majority := map[string]int{}
	covered := map[int]bool{}
	for g, eps := range members {
		count := map[int]int{}
		for _, ep := range eps {
			count[s.EpisodeTruth[ep]]++
		}
		best, bestN := -1, 0
		for t, c := range count {
			if c > bestN || (c == bestN && t < best) {
				best, bestN = t, c
			}
		}
		majority[g] = best
		covered[best] = true
	}
	for t := range hasEpisodes {
		if !covered[t] {
			sc.Missed++
		}
	}
	// AC@k over fault incidents: the group holding most of the incident's
	// episodes names the root.
	firstAlert := map[int]time.Time{}
	for _, n := range s.Notifications {
		t := s.EpisodeTruth[n.Episode]
		if at, ok := firstAlert[t]; !ok || n.At.Before(at) {
			firstAlert[t] = n.At
		}
	}
	var waits []time.Duration
	var faults, hit1, hit3 float64
	for _, truth := range s.Truths {
		if truth.Kind != "fault" || !hasEpisodes[truth.ID] {
			continue
		}
		faults++
		best := o.MainGroup(s, truth.ID)
		if at, ok := o.PagedAt[best]; ok {
			waits = append(waits, at.Sub(firstAlert[truth.ID]))
		}
		r := o.Ranking[best]
		if len(r) > 0 && r[0] == truth.Root {
			hit1++
		}
		if slices.Contains(r[:min(3, len(r))], truth.Root) {
			hit3++
		}
	}
	if faults > 0 {
		sc.AC1, sc.AC3 = hit1/faults, hit3/faults
	}
	if len(waits) > 0 {
		slices.Sort(waits)
		sc.TimeToPage = waits[len(waits)/2]
	}
	return sc
}

// MainGroup is the group holding most of truth incident id's episodes (the
// smallest group ID among equals), "" when none was grouped: the page that
// names the incident's root for AC@k.
func (o Outcome) MainGroup(s *Scenario, id int) string {
	count := map[string]int{}
	for ep, t := range s.EpisodeTruth {
		if t == id {
			if g, ok := o.Assign[ep]; ok {
				count[g]++
			}
		}
	}
	best, bestN := "", 0
	for g, c := range count {
		if c > bestN || (c == bestN && g < best) {
			best, bestN = g, c
		}
	}
	return best
}
