package correlate

import (
	"slices"
)

// rank orders the incident's firing services by probable root: the
// deepest alerting dependency its alerting callers share (most alerting
// callers reach it within MaxHops; among those, fewest alerting
// dependencies below it), then onset, then severity. A dependency only
// one alerting caller shows, where that caller's callers show it more
// broadly, ranks after the others (throughone.go). Without recent
// spans, a service most of whose direct callers are quiet (a hub, a
// shared database: specific.go) ranks after those that explain theirs.
func (e *Engine) rank(inc *incident) {
	// With evidence the ranking may change while the alerts do not.
	if !inc.rankDirty && len(inc.ranking) > 0 && !e.tracesActive() {
		return
	}
	inc.rankDirty = false
	if len(inc.reps) == 0 {
		return
	}
	order := e.rankCands(inc)
	inc.ranking = inc.ranking[:0]
	for _, c := range order {
		inc.ranking = append(inc.ranking, c.service)
	}
	inc.rootFingerprint = order[0].fp
}

// rankCands returns inc's alerting services as rank weighs them, probable
// root first.
func (e *Engine) rankCands(inc *incident) []*rankCand {
	byService := make(map[string]*rankCand, len(inc.reps))
	order := make([]*rankCand, 0, len(inc.reps))
	for svc, r := range inc.reps {
		c := &rankCand{rep: r, service: svc, origin: e.originRank(svc)}
		c.vague = svc != "" && !e.explainsAt(svc, r.onset, e.now) && !e.lateShownIn(inc, svc, r.onset)
		byService[svc] = c
		order = append(order, c)
	}
	// Each alerting service's dependencies within MaxHops that alert too:
	// a walk over the (small, cached) reachable set, not over all pairs.
	for _, c := range order {
		if c.service == "" {
			continue
		}
		for _, d := range e.graph.DependencyList(c.service, e.cfg.MaxHops) {
			if o, ok := byService[d.Service]; ok && o != c {
				c.deps++
				o.callers++
			}
		}
	}
	// A silent root the incident named before it alerted (silentdep.go,
	// lonesilent.go) was shown by more than its callers' alerts.
	for _, c := range order {
		c.throughOne = c.service != inc.silentRoot && e.shownThroughOne(c, byService)
	}
	slices.SortFunc(order, compareRank)
	return order
}

// rankCand is an alerting service of an incident, as rank weighs it.
type rankCand struct {
	*rep
	service string
	callers int // alerting services calling it within MaxHops
	deps    int // alerting dependencies within MaxHops
	origin  float64
	vague   bool // its direct callers do not show it (specific.go)
	// throughOne: only one alerting direct caller shows it, and that
	// caller's callers show it more broadly (throughone.go).
	throughOne bool
}

// compareRank orders probable roots first: those whose callers show
// them, where errors originate (the higher share first), not shown
// through one caller only, most alerting callers, fewest alerting
// dependencies, earliest onset, most severe, then fingerprint.
func compareRank(a, b *rankCand) int {
	switch {
	case a.vague != b.vague:
		if b.vague {
			return -1
		}
		return 1
	case a.origin != b.origin:
		if a.origin > b.origin {
			return -1
		}
		return 1
	case a.throughOne != b.throughOne:
		if b.throughOne {
			return -1
		}
		return 1
	case a.callers != b.callers:
		return b.callers - a.callers
	case a.deps != b.deps:
		return a.deps - b.deps
	case !a.onset.Equal(b.onset):
		return a.onset.Compare(b.onset)
	case a.sev != b.sev:
		return b.sev - a.sev
	case a.fp < b.fp:
		return -1
	case a.fp > b.fp:
		return 1
	}
	return 0
}
