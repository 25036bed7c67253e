package alertscenario

import (
	"slices"
	"strconv"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Outcome is what a grouping method did with a scenario.
type Outcome struct {
	Pages int
	// Assign maps episode -> predicted group (paged groups only); episodes
	// absent were never part of a page.
	Assign map[int]string
	// Ranking per group, probable root first.
	Ranking map[string][]string
	// PagedAt is when each group paged.
	PagedAt map[string]time.Time
	// Firings, when set, maps each firing of an episode (a flapping
	// alert's episode fires several times) to the last group it was in:
	// Assign keeps one group per episode, so a flapping alert whose early
	// firings joined another incident's page shows only here.
	Firings map[Firing]string
}

// Firing is one firing of an episode, known by its StartsAt.
type Firing struct {
	Episode  int
	StartsAt time.Time
}

// RunAlertmanager simulates Alertmanager grouping by the given labels with
// group_wait: a group pages when it becomes active (first alert, or first
// alert after every alert of the group resolved), unless all its alerts
// resolve within group_wait. The first alert of a group is its "root".
// Notifications for changes within an active group are not counted as pages
// (the PagerDuty dedup_key folds them), which favors Alertmanager.
func RunAlertmanager(s *Scenario, groupBy []string, groupWait time.Duration) Outcome {
	out := Outcome{Assign: map[int]string{}, Ranking: map[string][]string{}, PagedAt: map[string]time.Time{}}
	type group struct {
		id      string
		firing  map[string]bool
		eps     []int
		rank    []string
		opened  time.Time
		paged   bool
		counter int
	}
	groups := map[string]*group{}
	key := func(n Notification) string {
		k := ""
		l := n.Labels()
		for _, g := range groupBy {
			k += g + "=" + l[g] + ","
		}
		return k
	}
	flush := func(now time.Time) {
		names := make([]string, 0, len(groups))
		for k := range groups {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			g := groups[k]
			if g.id == "" || g.paged || now.Sub(g.opened) < groupWait {
				continue
			}
			if len(g.firing) == 0 {
				g.id = "" // resolved within group_wait: never notified
				continue
			}
			g.paged = true
			out.Pages++
			out.PagedAt[g.id] = now
			for _, ep := range g.eps {
				out.Assign[ep] = g.id
			}
			out.Ranking[g.id] = g.rank
		}
	}
	var last time.Time
	for _, n := range s.Notifications {
		if !last.IsZero() {
			for t := last.Add(time.Second); t.Before(n.At); t = t.Add(time.Second) {
				flush(t)
			}
		}
		last = n.At
		k := key(n)
		g := groups[k]
		if g == nil {
			g = &group{firing: map[string]bool{}}
			groups[k] = g
		}
		fp := n.Fingerprint()
		if n.State == alertconv.StateFiring {
			if g.id == "" {
				g.counter++
				g.id = k + "#" + strconv.Itoa(g.counter)
				g.opened, g.paged, g.eps, g.rank = n.At, false, nil, nil
				clear(g.firing)
			}
			if !g.firing[fp] {
				g.firing[fp] = true
				if !slices.Contains(g.eps, n.Episode) {
					g.eps = append(g.eps, n.Episode)
					if !slices.Contains(g.rank, n.Service) {
						g.rank = append(g.rank, n.Service)
					}
				}
				if g.paged {
					out.Assign[n.Episode] = g.id
					out.Ranking[g.id] = g.rank
				}
			}
		} else if g.firing[fp] {
			delete(g.firing, fp)
			if len(g.firing) == 0 && g.paged {
				g.id = "" // resolved: the next alert opens a new notification group
			}
		}
		flush(n.At)
	}
	flush(last.Add(time.Hour))
	return out
}
