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
	sc.Precision, sc.Recall, sc.F1 = pairwise(s, o)
	sc.Missed = missed(s, o, hasEpisodes)
	sc.AC1, sc.AC3, sc.TimeToPage = rootAccuracy(s, o, hasEpisodes)
	return sc
}

// pairwise scores the grouping over pairs of episodes; an episode never
// paged is its own group.
func pairwise(s *Scenario, o Outcome) (precision, recall, f1 float64) {
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
		precision = tp / (tp + fp)
	}
	if tp+fn > 0 {
		recall = tp / (tp + fn)
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

// missed counts the true incidents that are the majority of no paged
// group.
func missed(s *Scenario, o Outcome, hasEpisodes map[int]bool) int {
	members := map[string][]int{}
	for ep, g := range o.Assign {
		members[g] = append(members[g], ep)
	}
	covered := map[int]bool{}
	for _, eps := range members {
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
		covered[best] = true
	}
	n := 0
	for t := range hasEpisodes {
		if !covered[t] {
			n++
		}
	}
	return n
}

// rootAccuracy is AC@1 and AC@3 over fault incidents (the group holding
// most of the incident's episodes names the root), and the median time
// from a fault's first alert to that group's page.
func rootAccuracy(s *Scenario, o Outcome, hasEpisodes map[int]bool) (ac1, ac3 float64, timeToPage time.Duration) {
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
		ac1, ac3 = hit1/faults, hit3/faults
	}
	if len(waits) > 0 {
		slices.Sort(waits)
		timeToPage = waits[len(waits)/2]
	}
	return ac1, ac3, timeToPage
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
