package correlate

import (
	"slices"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// isLocal reports whether a rule name is a local (resource) alert.
func (e *Engine) isLocal(rule string) bool {
	if len(e.cfg.LocalRules) == 0 {
		return false
	}
	l, ok := e.local[rule]
	if !ok {
		for _, re := range e.cfg.LocalRules {
			if re.MatchString(rule) {
				l = true
				break
			}
		}
		if len(e.local) < 10000 {
			e.local[rule] = l
		}
	}
	return l
}

// near reports whether onsets a and b are within OnsetWindow.
func (e *Engine) near(a, b time.Time) bool {
	if e.cfg.OnsetWindow <= 0 {
		return true
	}
	d := a.Sub(b)
	return d <= e.cfg.OnsetWindow && d >= -e.cfg.OnsetWindow
}

// nearHops reports whether a symptom's onset a fits its alerting
// dependency's onset b, hops away: see Config.OnsetPerHop.
func (e *Engine) nearHops(a, b time.Time, hops int) bool {
	if e.cfg.OnsetPerHop <= 0 || e.cfg.OnsetWindow <= 0 {
		return e.near(a, b)
	}
	d := a.Sub(b)
	return d >= -e.cfg.OnsetWindow && d <= max(e.cfg.OnsetFloor, time.Duration(max(hops, 1))*e.cfg.OnsetPerHop)
}

// fire puts a firing alert into an incident: its old one if still open, a
// related one, or a new one. It returns false when a new incident is needed
// and there is no room.
func (e *Engine) fire(st *alertState, now time.Time) bool {
	// Placed, by whatever path: it waits for its spans no more
	// (spanwait.go; newIncident reads the mark first).
	defer func() { st.awaitingSpans = false }()
	e.noteAlerting(st.Service)
	if inc, ok := e.incidents[st.incident]; ok {
		// A member firing again: not a new onset, so the window stays.
		e.setFiring(st, true)
		inc.dirty = true
		inc.lastSeen = maxTime(inc.lastSeen, now)
		return true
	}
	e.noteRuleOnset(st)
	e.burstMemo = burstMemo{placing: true}
	defer func() { e.burstMemo = burstMemo{} }()
	inc := e.findIncident(st, now)
	if inc == nil {
		held := e.refusedHeld(st, now)
		if held == nil {
			e.noteOnset(st)
		}
		if len(e.incidents) >= e.cfg.MaxIncidents {
			// Beyond the bound an alert folds into its environment's storm
			// incident rather than failing open into a page of its own.
			e.stats.OverflowIncidents++
			inc = e.stormIncident(st, now)
		} else {
			inc = e.newIncident(st, now)
			e.holdTakeOver(inc, st, now)
			inc.openedInBurst = e.inBurst(st)
			if held != nil {
				inc.waitsFor = held.id
			}
		}
	}
	st.firing = true
	e.join(inc, st, now)
	inc = e.gatherBurstCallers(inc, now)
	e.takeLateCallers(inc, st, now)
	e.noteOrigin(st, now)
	e.retryTakeOver(inc, now)
	e.retryHeldBelow(st, now)
	return true
}

// findIncident picks the open incident a new firing alert belongs to.
// Graph first, direction-aware: the alert's service calls (within MaxHops)
// a service of the incident (the alert is a symptom), or is a dependency of
// the incident's root (the alert may be the deeper root). Pending (not yet
// paged) incidents it relates to as well are merged into the chosen one.
// Services the graph does not know fall back to group_by labels.
func (e *Engine) findIncident(st *alertState, now time.Time) *incident {
	s := st.Service
	if s == "" || !e.graph.HasNode(s) {
		key := e.groupKey(st)
		if key == "" {
			return nil
		}
		if inc, ok := e.incidents[e.byGroup[key]]; ok && e.live(inc, now) {
			return inc
		}
		return nil
	}
	if st.flapping || e.suspect(st) || e.isLocal(st.RuleName) {
		// A local or flapping alert is neither a symptom nor a cause of
		// another service's alerts: an incident of its own (flap.go). Nor
		// is a re-page suspect (repage.go): its firings start whenever its
		// own condition wobbles.
		return nil
	}
	cands := e.candidates(st, now)
	if e.cfg.SeveritySplits {
		cands = e.splitBySeverity(st, cands)
	}
	cands = e.dropFarLate(st, cands)
	cands = e.dropSymptomOrigins(st, cands)
	cands = e.dropQuietPairs(st, cands)
	cands = e.dropQuietTakeOvers(st, cands)
	cands = e.dropHeldCauses(st, cands, now)
	if len(cands) > 0 && e.inBurst(st) {
		// In a burst (burst.go) the relations above are coincidence, but
		// for a fault's symptoms the spans tell (burstjoin.go).
		cands = e.burstSymptoms(st, cands)
	} else if len(cands) > 0 {
		// A wave of one rule new to the services it trips on, that
		// nothing explains (rulewave.go).
		cands, st.waveKept = e.waveKeeps(st, cands)
	}
	if len(cands) == 0 {
		return nil
	}
	sortCands(cands)
	recentFirst := cands[0].inc
	e.preferNewerCause(st, cands)
	e.preferTraveled(st, cands)
	e.noteTie(st, cands, recentFirst)
	if !e.followFreshCause(st, cands, now) {
		return nil
	}
	inc := e.unite(st, cands, now)
	if cands[0].late {
		inc = e.gatherLateCallers(inc, st, now)
	}
	if d := cands[0].silent; d != "" {
		inc = e.gatherSilentSiblings(inc, st, d, now)
	}
	if c := cands[0]; c.inc == inc && c.symptom && c.hops > 0 {
		e.noteSymptom(st, now)
	}
	return inc
}

// candidates lists the live incidents st relates to through the graph,
// each once, with its best relation.
func (e *Engine) candidates(st *alertState, now time.Time) []cand {
	cs := &candSet{live: func(inc *incident) bool { return e.live(inc, now) }}
	e.relatedIncidents(st, cs.consider)
	// A consumer starved by its producer's or broker's fault (fedthrough.go).
	e.fedThrough(st, cs.consider)
	// c calls s: s may be the deeper root of c's incident, when s
	// explains its callers (specific.go), those alerting before it
	// included (lateroot.go).
	if e.explainsLate(st, now) {
		e.deeperRootOf(st, now, cs.consider)
	}
	cands := cs.cands
	// Related to nothing: a caller alerting late with its siblings
	// (latecaller.go).
	if len(cands) == 0 {
		cands = e.lateCallerOf(st, now)
	}
	// Still nothing: a caller of a dependency that has not alerted, with
	// its siblings (silentdep.go).
	if len(cands) == 0 {
		cands = e.silentDependencyOf(st, now)
	}
	return cands
}

// candSet gathers candidates, one per live incident, each with its best
// relation.
type candSet struct {
	live  func(*incident) bool
	cands []cand
}

func (cs *candSet) consider(inc *incident, symptom bool, hops int) {
	if !cs.live(inc) {
		return
	}
	// Candidates are few: a scan beats a set.
	for i := range cs.cands {
		if c := &cs.cands[i]; c.inc == inc {
			if better(symptom, hops, c.symptom, c.hops) {
				c.symptom, c.hops = symptom, hops
			}
			return
		}
	}
	cs.cands = append(cs.cands, cand{inc: inc, symptom: symptom, hops: hops})
}

// relatedIncidents calls consider for the incidents st is a symptom in:
// its own service's and its alerting dependencies'.
func (e *Engine) relatedIncidents(st *alertState, consider func(*incident, bool, int)) {
	s := st.Service
	// symptomOf: the incident has a non-local alert on another service d
	// whose onset is near st's, and the traces do not show s as a cause of
	// its own: errors originating in s while no failing calls lead from s
	// to d, or more of them than s's failing calls (unexplained).
	ownCause, unexplained := e.originates(s), e.ownCause(s)
	symptomOf := func(inc *incident, d string, hops int) bool {
		t, ok := inc.causes[d]
		return ok && e.nearHops(st.StartsAt, t, hops) && (!ownCause || !unexplained && e.failuresTravel(s, d))
	}
	// Same service already alerting: one failure trips a service's
	// rules minutes apart (errors, then an error-budget burn, then
	// saturation), so a further alert joins the open incident its
	// service alerts in, whatever its onset (thirty-sixth pass).
	for _, inc := range e.byService[s] {
		if _, ok := inc.causes[s]; ok {
			consider(inc, true, 0)
		}
	}
	// s calls d: s's alert is explained by an alerting dependency.
	var reach rootReach
	for _, d := range e.graph.DependencyList(s, e.cfg.MaxHops) {
		for _, inc := range e.byService[d.Service] {
			if symptomOf(inc, d.Service, d.Hops) && e.reachesRoot(s, d.Service, inc, &reach) {
				consider(inc, true, d.Hops)
			}
		}
	}
}

// deeperRootOf calls consider for each live incident st's service may be
// the deeper root of: an incident whose root, not a local alert, calls
// st's service within MaxHops, and whose first onset is near st's (late
// in that window, as far as its callers show it: latedeeper.go), or
// before it past the window when its callers alerted late together
// (lateroot.go).
func (e *Engine) deeperRootOf(st *alertState, now time.Time, consider func(*incident, bool, int)) {
	var late lateReading
	for _, c := range e.graph.CallerList(st.Service, e.cfg.MaxHops) {
		for inc := range e.incidentsOn(c.Service) {
			if e.rootService(inc) != c.Service {
				continue
			}
			if _, ok := inc.causes[c.Service]; !ok || e.rootHeldForFreshCause(inc, st.Service) || e.explainedElsewhere(c.Service, st.Service) {
				continue
			}
			// A root whose errors are its own (evidence.Unexplained) is
			// not taken over by an alert on one of its dependencies.
			if e.lateRootOf(st, inc, now, &late) && !e.ownCause(c.Service) && e.lateRootShown(st, inc, now, &late) {
				consider(inc, false, c.Hops)
			}
		}
	}
}

// sortCands orders candidates best first: by relation, then the most
// recently active incident (the likelier cause of a new alert), then paged
// before pending (joining adds no page), then id.
func sortCands(cands []cand) {
	slices.SortFunc(cands, func(a, b cand) int {
		if better(a.symptom, a.hops, b.symptom, b.hops) {
			return -1
		}
		if better(b.symptom, b.hops, a.symptom, a.hops) {
			return 1
		}
		if c := b.inc.lastJoin.Compare(a.inc.lastJoin); c != 0 {
			return c
		}
		if a.inc.paged != b.inc.paged {
			if a.inc.paged {
				return -1
			}
			return 1
		}
		if a.inc.id < b.inc.id {
			return -1
		}
		return 1
	})
}

// preferTraveled puts first, among the symptom candidates as close to st
// as the best one, the first whose root the traces show st's failing
// calls reaching, when the best one's root is not one they reach: an
// alert next to two concurrent faults (a shared caller, a gateway) joins
// the one its calls fail toward, not merely the one active last. Where
// the traces show no such root, the order stands.
func (e *Engine) preferTraveled(st *alertState, cands []cand) {
	if len(cands) < 2 || !cands[0].symptom || !e.tracesActive() || e.failuresTravel(st.Service, e.rootService(cands[0].inc)) {
		return
	}
	hops := cands[0].hops
	promote(cands, func(c cand) bool { return c.symptom && c.hops == hops },
		func(c cand) bool { return e.failuresTravel(st.Service, e.rootService(c.inc)) })
}

// promote moves to the front the first candidate after cands[0] that
// matches, scanning while the candidates are eligible; the others keep
// their order.
func promote(cands []cand, eligible, match func(cand) bool) {
	for i := 1; i < len(cands) && eligible(cands[i]); i++ {
		if c := cands[i]; match(c) {
			copy(cands[1:i+1], cands[:i])
			cands[0] = c
			return
		}
	}
}

// unite returns the incident st, a new alert, joins, given its sorted
// candidates. A common dependency of several incidents' roots unites them:
// their callers share it (with spans speaking, a relay unites only its
// direct callers', relay.go). The survivor is the earliest paged one (its
// page stays the page), else the best candidate; paged incidents merged
// into it are resolved with MergedInto set.
func (e *Engine) unite(st *alertState, cands []cand, now time.Time) *incident {
	group := []*incident{cands[0].inc}
	for _, c := range cands[1:] {
		if !c.symptom && e.relayReaches(cands[0], c) {
			group = append(group, c.inc)
		}
	}
	e.noteUnite(st, cands, group)
	survivor := group[0]
	for _, inc := range group[1:] {
		if inc.paged && (!survivor.paged || inc.firstSeen.Before(survivor.firstSeen)) {
			survivor = inc
		}
	}
	for _, inc := range group {
		if inc == survivor {
			continue
		}
		e.retire(inc, survivor, now)
		e.merge(survivor, inc)
	}
	return survivor
}

// retire emits the resolved record of inc, about to be merged into
// survivor, if it paged (MergedInto set, nothing firing).
func (e *Engine) retire(inc, survivor *incident, now time.Time) {
	if !inc.paged {
		return
	}
	e.rank(inc)
	snap := e.snapshot(inc, now)
	snap.MergedInto = survivor.id
	snap.Firing = nil
	e.merged = append(e.merged, Event{State: alertconv.IncidentResolved, Incident: snap})
	e.stats.Resolved++
	e.stats.Merged++
}

// cand is an open incident a new alert relates to through the graph: as a
// symptom of one of its alerts, or as the deeper root of its root.
type cand struct {
	inc     *incident
	symptom bool
	hops    int
	// late: a caller alerting late with its siblings (latecaller.go).
	late bool
	// silent: the dependency that has not alerted whose callers st joins
	// (silentdep.go).
	silent string
}

// preferNewerCause puts first, without recent spans, when the best
// candidate holds an earlier alert on st's own service, the first symptom
// candidate whose incident opened after that earlier alert and before st:
// a second alert on a service already alerting for one fault (a gateway, a
// hub in front of two) that opens once another fault below it has started
// is that fault's symptom. The earlier alert's trouble predates the newer
// fault, so it says nothing of what st shares. The newer cause must show
// in its other callers (newerspread.go): a service's second rule tripping
// for its first failure is no symptom of a shared dependency's lone
// alert. When the earlier alert opened its incident (st's service is a
// root there, nothing in it explained that alert), the newer cause must
// also be a direct dependency of st's service: a failing service in
// front of another that starts failing alerts again as its caller, and
// in a small graph (a front end, a hub calling most services) a fault's
// root is often a direct caller of a concurrent fault's; a newer cause
// several hops down says too little against the root's own further
// rules (forty-fifth pass). With spans, attribute.go's laterEpisodes
// decides the same case by where the failing calls lead.
func (e *Engine) preferNewerCause(st *alertState, cands []cand) {
	if len(cands) < 2 || !cands[0].symptom || cands[0].hops != 0 || e.tracesActive() {
		return
	}
	earlier, ok := cands[0].inc.causes[st.Service]
	if !ok {
		return
	}
	opened := !earlier.After(cands[0].inc.firstCause)
	promote(cands, func(c cand) bool { return c.symptom },
		func(c cand) bool {
			t := c.inc.firstCause
			direct := !opened || c.hops == 1
			return direct && t.After(earlier) && !t.After(st.StartsAt) && e.newerCauseShows(c.inc, st.Service)
		})
}

// splitBySeverity drops the candidates SeveritySplits rules out: those st
// would join as a symptom more severe than every symptom they hold, and
// those whose root st would take over while that root is more severe than
// every other alert the take-over makes a symptom (the other candidates'
// alerts and its own symptoms).
func (e *Engine) splitBySeverity(st *alertState, cands []cand) []cand {
	sev := e.severityRank(st.Severity)
	// The most severe alert of each deeper-root candidate, and the two
	// highest of those, so each candidate sees the others' maximum.
	top1, top2 := -1, -1
	for _, c := range cands {
		if c.symptom {
			continue
		}
		m := e.maxSeverity(c.inc, "")
		if m > top1 {
			top1, top2 = m, top1
		} else if m > top2 {
			top2 = m
		}
	}
	out := cands[:0]
	for _, c := range cands {
		root := e.rootService(c.inc)
		if c.symptom {
			if st.Service != root {
				if others := e.maxSeverity(c.inc, root); others >= 0 && sev > others {
					continue
				}
			}
		} else {
			others := e.maxSeverity(c.inc, root)
			if own := e.maxSeverity(c.inc, ""); own == top1 {
				others = max(others, top2)
			} else {
				others = max(others, top1)
			}
			if r := c.inc.reps[root]; r != nil && others >= 0 && r.sev > others {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// maxSeverity is the highest severity rank among inc's alerts on services
// other than except, -1 when there are none.
func (e *Engine) maxSeverity(inc *incident, except string) int {
	skip := -1
	if r := inc.reps[except]; r != nil {
		skip = r.sev
	}
	for sev := len(inc.repsAt) - 1; sev >= 0; sev-- {
		n := inc.repsAt[sev]
		if sev == skip {
			n--
		}
		if n > 0 {
			return sev
		}
	}
	return -1
}

// better orders relations: symptom (explained by a dependency) before
// deeper-root, then fewer hops.
func better(symA bool, hopsA int, symB bool, hopsB int) bool {
	if symA != symB {
		return symA
	}
	return hopsA < hopsB
}

// dropQuietPairs removes the symptom relations of st, an alert on a
// service the traces show quiet, to incidents whose root's service they
// show quiet too: both well observed, no failing call or latency between
// them, so nothing says st's trouble comes down its calls from that root
// (a maintenance window, a scrape outage across neighbours). A service too
// sparsely observed to read quiet keeps its relations, and so does a
// dependency's alert taking over a caller's incident as its deeper root
// (the caller's alert claims nothing about its calls).
func (e *Engine) dropQuietPairs(st *alertState, cands []cand) []cand {
	if len(cands) == 0 || !e.quiet(st.Service) {
		return cands
	}
	return slices.DeleteFunc(cands, func(c cand) bool {
		return c.symptom && e.quiet(e.rootService(c.inc))
	})
}
