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
	am := &amSim{
		out:       Outcome{Assign: map[int]string{}, Ranking: map[string][]string{}, PagedAt: map[string]time.Time{}},
		groups:    map[string]*amGroup{},
		groupBy:   groupBy,
		groupWait: groupWait,
	}
	var last time.Time
	for _, n := range s.Notifications {
		if !last.IsZero() {
			for t := last.Add(time.Second); t.Before(n.At); t = t.Add(time.Second) {
				am.flush(t)
			}
		}
		last = n.At
		am.notify(n)
		am.flush(n.At)
	}
	am.flush(last.Add(time.Hour))
	return am.out
}

// amSim is RunAlertmanager's state: the notification groups by key.
type amSim struct {
	out       Outcome
	groups    map[string]*amGroup
	groupBy   []string
	groupWait time.Duration
}

// amGroup is one Alertmanager aggregation group; id is "" while it has no
// active notification group.
type amGroup struct {
	id      string
	firing  map[string]bool
	eps     []int
	rank    []string
	opened  time.Time
	paged   bool
	counter int
}

func (am *amSim) key(n Notification) string {
	k := ""
	l := n.Labels()
	for _, g := range am.groupBy {
		k += g + "=" + l[g] + ","
	}
	return k
}

// flush pages every group whose group_wait has passed at now.
func (am *amSim) flush(now time.Time) {
	names := make([]string, 0, len(am.groups))
	for k := range am.groups {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		g := am.groups[k]
		if g.id == "" || g.paged || now.Sub(g.opened) < am.groupWait {
			continue
		}
		if len(g.firing) == 0 {
			g.id = "" // resolved within group_wait: never notified
			continue
		}
		g.paged = true
		am.out.Pages++
		am.out.PagedAt[g.id] = now
		for _, ep := range g.eps {
			am.out.Assign[ep] = g.id
		}
		am.out.Ranking[g.id] = g.rank
	}
}

// notify applies one notification to its group.
func (am *amSim) notify(n Notification) {
	k := am.key(n)
	g := am.groups[k]
	if g == nil {
		g = &amGroup{firing: map[string]bool{}}
		am.groups[k] = g
	}
	fp := n.Fingerprint()
	if n.State != alertconv.StateFiring {
		if g.firing[fp] {
			delete(g.firing, fp)
			if len(g.firing) == 0 && g.paged {
				g.id = "" // resolved: the next alert opens a new notification group
			}
		}
		return
	}
	if g.id == "" {
		g.counter++
		g.id = k + "#" + strconv.Itoa(g.counter)
		g.opened, g.paged, g.eps, g.rank = n.At, false, nil, nil
		clear(g.firing)
	}
	if g.firing[fp] {
		return
	}
	g.firing[fp] = true
	if !slices.Contains(g.eps, n.Episode) {
		g.eps = append(g.eps, n.Episode)
		if !slices.Contains(g.rank, n.Service) {
			g.rank = append(g.rank, n.Service)
		}
	}
	if g.paged {
		am.out.Assign[n.Episode] = g.id
		am.out.Ranking[g.id] = g.rank
	}
}
