// Package correlate is the alert_correlator's engine, free of pdata: alerts
// in, incident state changes out, time passed in by the caller so tests and
// the evaluation replay scenarios exactly.
package correlate

import (
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// Alert is one alert notification (one log record in the alert convention).
type Alert struct {
	Fingerprint string
	RuleName    string
	Service     string
	Severity    string
	State       string // alertconv.StateFiring or StateResolved
	StartsAt    time.Time
	Labels      map[string]string
}

// FlapConfig holds flapping alerts until they are stable.
type FlapConfig struct {
	Window    time.Duration
	Threshold int
	Hold      time.Duration
}

// Config of the engine; the processor's config maps onto it.
type Config struct {
	MaxHops   int
	Window    time.Duration
	GroupWait time.Duration
	// LowGroupWait replaces GroupWait for incidents whose probable root is
	// less severe than Severities[0]. Not longer than GroupWait: unused.
	LowGroupWait time.Duration
	ResolveHold  time.Duration
	Flap         FlapConfig
	GroupBy      []string
	Severities   []string // most severe first
	MaxAlerts    int
	MaxIncidents int
	Silences     []Silence
	// LocalRules match rule names of alerts about a service's own
	// resources (disk, restarts): such an alert is an incident of its own,
	// never attached to another through the graph (as a symptom or as a
	// deeper root), and no alert joins it through the graph. Nil: every
	// alert may be a symptom or a cause.
	LocalRules []*regexp.Regexp
	// OnsetWindow: an alert attaches as a symptom only if its onset is
	// within this of its alerting dependency's onset, and as a deeper root
	// only if within this of the incident's first onset. Zero: no limit.
	OnsetWindow time.Duration
	// OnsetPerHop scales the symptom window by hop distance: a symptom k
	// hops from its alerting dependency may open up to
	// max(OnsetFloor, k × OnsetPerHop) after the dependency's onset (a
	// symptom further away is expected later; late noise next to the
	// fault is not one), and up to OnsetWindow before it (callers in a
	// retry storm alert first). Zero, or OnsetWindow zero: the flat
	// OnsetWindow both ways.
	OnsetPerHop time.Duration
	OnsetFloor  time.Duration
	// SeveritySplits takes severity as evidence where the alerts show it
	// is: an alert more severe than every symptom already grouped under a
	// cause is a cause of its own, not one more symptom. It is neither
	// attached as a symptom to such an incident nor, as an incident's root,
	// taken over by a deeper root whose other symptoms are less severe.
	// Where every alert has one severity it changes nothing.
	SeveritySplits bool
	// Burst keeps alerts that open on many unconnected services at once
	// out of each other's incidents (burst.go). Zero: off.
	Burst BurstConfig
	// Evidence is what the spans say (nil: alerts only). See evidence.go.
	Evidence *evidence.Tracker
	// SnapshotMembers fills Snapshot.Members and Firing (O(members) per
	// record; the evaluation needs them, the processor does not).
	SnapshotMembers bool
}

// DefaultLocalRules matches the rule names of common resource alerts (the
// processor's correlation.local_rules default).
const DefaultLocalRules = `(?i)disk|filesystem|inode|cpu|memory|oom|restart|crashloop|evict`

// Outcome says what Ingest did with an alert.
type Outcome int

const (
	// Correlated: the alert is new or changed state and belongs to an incident.
	Correlated Outcome = iota
	// Duplicate: a repeat of a known alert in the same state.
	Duplicate
	// Silenced by a silence.
	Silenced
	// Held: a state change held back (flapping or waiting to be stable).
	Held
	// Overflow: no room to track the alert or open its incident.
	Overflow
	// Ignored: resolved alert never seen firing.
	Ignored
)

// Result of Ingest.
type Result struct {
	Outcome    Outcome
	IncidentID string
	// Suppressed is true when the alert is attached to an incident whose
	// root is another alert (a symptom, not paged).
	Suppressed bool
}

// Event is one incident state change to emit.
type Event struct {
	State    string // alertconv.IncidentOpen / IncidentUpdated / IncidentResolved
	Incident Snapshot
}

// Snapshot is an incident as emitted.
type Snapshot struct {
	ID              string    `json:"id"`
	RootService     string    `json:"root_service"`
	RootAlert       string    `json:"root_alert"` // root alert's rule name
	RootFingerprint string    `json:"root_fingerprint"`
	RootSeverity    string    `json:"root_severity"`
	Services        []string  `json:"services"`
	Ranking         []string  `json:"ranking"`           // services, probable root first
	Members         []string  `json:"members,omitempty"` // fingerprints, in join order
	Firing          []string  `json:"firing,omitempty"`  // the members firing now
	AlertCount      int       `json:"alert_count"`
	SuppressedCount int       `json:"suppressed_count"`
	FirstSeen       time.Time `json:"first_seen"`
	LastSeen        time.Time `json:"last_seen"`
	GroupKey        string    `json:"group_key,omitempty"`
	// MergedInto is set on the resolved record of a paged incident whose
	// alerts moved into another incident (a shared root arrived later).
	MergedInto string `json:"merged_into,omitempty"`
	// Storm is set on an environment's storm incident: the alerts that
	// arrived while limits.max_incidents incidents were open.
	Storm bool `json:"storm,omitempty"`
	// Symptoms are the incident's services other than the root's.
	Symptoms []string `json:"symptoms,omitempty"`
	// Evidence is one readable line of what the traces say about the
	// root; ExemplarTraceID a trace where its errors originate. Empty
	// without trace evidence.
	Evidence        string `json:"evidence,omitempty"`
	ExemplarTraceID string `json:"exemplar_trace_id,omitempty"`
}

// Stats are the engine's counters since creation.
type Stats struct {
	Received, Duplicates, Silenced, Held, Flapping, Ignored uint64
	OverflowAlerts, OverflowIncidents                       uint64
	Opened, Updated, Resolved                               uint64
	DroppedUnpaged                                          uint64 // pending incidents that resolved before group_wait
	Merged                                                  uint64 // paged incidents merged into another (counted in Resolved too)
	// FingerprintReuse counts alerts whose fingerprint was already held
	// by an alert with other labels (each is tracked as its own alert).
	FingerprintReuse uint64
	// FlapDetached counts alerts moved out of a shared incident into one
	// of their own when found flapping (flap.go).
	FlapDetached uint64
}

type alertState struct {
	Alert
	firing      bool // effective state, as the incident sees it
	reported    string
	lastChange  time.Time
	transitions []time.Time
	flapping    bool
	incident    string
	firstSeen   time.Time
	lastSeen    time.Time
	joined      int // order in the incident
}

type incident struct {
	id        string
	members   []string // fingerprints
	root      string
	ranking   []string
	paged     bool
	dirty     bool
	firstSeen time.Time
	lastSeen  time.Time
	groupKey  string
	services  map[string]int // service -> member count
	// causes: service -> earliest onset of its member alerts that are not
	// local (those an alert may be a symptom of).
	causes map[string]time.Time
	// firstCause is the earliest onset in causes.
	firstCause time.Time
	emitted    string // snapshotKey of the last record emitted
	reps       map[string]*rep
	// repsAt counts reps by severity rank (index 0: unknown severity), so
	// the highest severity among an incident's services is a short scan.
	repsAt    []int
	rankDirty bool
	firing    int // members firing now
	// lastJoin is when an alert last joined (or re-fired into) the
	// incident: the correlation window runs from it, so repeats of old
	// alerts do not keep an incident attracting new ones.
	lastJoin time.Time
	// storm is the environment of a storm incident (alerts beyond
	// MaxIncidents), "" for others; see storm.go.
	storm string
	// why and exemplar are the last evidence shown for whyRoot, kept for
	// records emitted after the traces went quiet.
	why, exemplar, whyRoot string
}

// Engine correlates alerts. Not safe for concurrent use.
type Engine struct {
	cfg       Config
	graph     *topology.Graph
	sevRank   map[string]int
	alerts    map[string]*alertState
	incidents map[string]*incident
	byService map[string]map[string]*incident // service -> incidents with alerts on it, by id
	byGroup   map[string]string               // group key -> incident id
	stats     Stats
	joinSeq   int
	// held are firing alerts whose resolution waits to be stable.
	held map[string]*alertState
	// storms: environment -> id of its open storm incident.
	storms map[string]string
	local  map[string]bool // rule name -> matches LocalRules
	// merged are resolved records of paged incidents merged into another,
	// emitted by the next Advance.
	merged    []Event
	lastGC    time.Time
	lastEvict time.Time
	// now is the latest time passed in, for the evidence's windows.
	now time.Time
	// onsets are recent new alerts' onsets, oldest first (burst.go).
	onsets []onset
}

// New returns an engine over graph g.
func New(cfg Config, g *topology.Graph) *Engine {
	if cfg.MaxHops <= 0 {
		cfg.MaxHops = 3
	}
	if len(cfg.Severities) == 0 {
		cfg.Severities = []string{"critical", "error", "warning", "info"}
	}
	if cfg.MaxAlerts <= 0 {
		cfg.MaxAlerts = 100000
	}
	if cfg.MaxIncidents <= 0 {
		cfg.MaxIncidents = 10000
	}
	rank := map[string]int{}
	for i, s := range cfg.Severities {
		rank[s] = len(cfg.Severities) - i
	}
	return &Engine{
		cfg: cfg, graph: g, sevRank: rank,
		alerts:    map[string]*alertState{},
		incidents: map[string]*incident{},
		byService: map[string]map[string]*incident{},
		byGroup:   map[string]string{},
		held:      map[string]*alertState{},
		storms:    map[string]string{},
		local:     map[string]bool{},
	}
}

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

// addCause records a non-local member's onset on its service.
func (e *Engine) addCause(inc *incident, st *alertState) {
	if st.flapping || e.isLocal(st.RuleName) {
		return
	}
	if inc.causes == nil {
		inc.causes = map[string]time.Time{}
	}
	if t, ok := inc.causes[st.Service]; !ok || st.StartsAt.Before(t) {
		inc.causes[st.Service] = st.StartsAt
	}
	if inc.firstCause.IsZero() || st.StartsAt.Before(inc.firstCause) {
		inc.firstCause = st.StartsAt
	}
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

// Stats returns the counters.
func (e *Engine) Stats() Stats { return e.stats }

// Sizes returns tracked alerts and open incidents.
func (e *Engine) Sizes() (alerts, incidents int) { return len(e.alerts), len(e.incidents) }

// Ingest takes one alert notification received at now.
func (e *Engine) Ingest(a Alert, now time.Time) Result {
	e.stats.Received++
	e.now = maxTime(e.now, now)
	if a.StartsAt.IsZero() {
		a.StartsAt = now
	}
	for i := range e.cfg.Silences {
		if e.cfg.Silences[i].Mutes(a.Labels, now) {
			e.stats.Silenced++
			return Result{Outcome: Silenced}
		}
	}
	st, known := e.alerts[a.Fingerprint]
	if known && !sameLabels(st.Labels, a.Labels) {
		// A fingerprint reused with other labels is another alert: it
		// gets an identity of its own rather than the first one's fields.
		a.Fingerprint = reusedFingerprint(a.Fingerprint, a.Labels)
		st, known = e.alerts[a.Fingerprint]
		if !known {
			e.stats.FingerprintReuse++
		}
	}
	if known {
		return e.update(st, a, now)
	}
	if a.State == alertconv.StateResolved {
		e.stats.Ignored++
		return Result{Outcome: Ignored}
	}
	if len(e.alerts) >= e.cfg.MaxAlerts && !e.evictAlerts(now) {
		e.stats.OverflowAlerts++
		return Result{Outcome: Overflow}
	}
	st = &alertState{Alert: a, reported: a.State, lastChange: now, firstSeen: now, lastSeen: now}
	e.alerts[a.Fingerprint] = st
	if !e.fire(st, now) {
		delete(e.alerts, a.Fingerprint)
		e.stats.OverflowIncidents++
		return Result{Outcome: Overflow}
	}
	return e.result(st, Correlated)
}

func (e *Engine) result(st *alertState, o Outcome) Result {
	r := Result{Outcome: o, IncidentID: st.incident}
	if inc, ok := e.incidents[st.incident]; ok {
		r.Suppressed = inc.root != st.Fingerprint
	}
	return r
}

func (e *Engine) update(st *alertState, a Alert, now time.Time) Result {
	st.lastSeen = now
	// Labels and annotations may change; identity does not.
	st.Severity, st.RuleName = a.Severity, a.RuleName
	if a.State == st.reported {
		e.stats.Duplicates++
		if inc, ok := e.incidents[st.incident]; ok && st.firing {
			inc.lastSeen = maxTime(inc.lastSeen, now)
		}
		return e.result(st, Duplicate)
	}
	st.reported = a.State
	st.lastChange = now
	st.transitions = append(st.transitions, now)
	cut := 0
	for cut < len(st.transitions) && now.Sub(st.transitions[cut]) > e.cfg.Flap.Window {
		cut++
	}
	st.transitions = st.transitions[cut:]
	if e.cfg.Flap.Threshold > 0 && len(st.transitions) >= e.cfg.Flap.Threshold && !st.flapping {
		st.flapping = true
		e.stats.Flapping++
		e.detachFlapping(st, now)
	}
	if a.State == alertconv.StateResolved {
		if st.firing {
			e.held[st.Fingerprint] = st
		}
		// Applied by Advance once it has held (ResolveHold, or Flap.Hold
		// while flapping).
		e.stats.Held++
		return e.result(st, Held)
	}
	// Firing again.
	delete(e.held, st.Fingerprint)
	if st.firing {
		// It never stopped, as far as the incident knows.
		e.stats.Held++
		if inc, ok := e.incidents[st.incident]; ok {
			inc.lastSeen = maxTime(inc.lastSeen, now)
		}
		return e.result(st, Held)
	}
	st.StartsAt = a.StartsAt
	if !e.fire(st, now) {
		e.stats.OverflowIncidents++
		return Result{Outcome: Overflow}
	}
	return e.result(st, Correlated)
}

// fire puts a firing alert into an incident: its old one if still open, a
// related one, or a new one. It returns false when a new incident is needed
// and there is no room.
func (e *Engine) fire(st *alertState, now time.Time) bool {
	if inc, ok := e.incidents[st.incident]; ok {
		// A member firing again: not a new onset, so the window stays.
		if !st.firing {
			inc.firing++
		}
		st.firing = true
		inc.dirty = true
		e.addRep(inc, st)
		inc.lastSeen = maxTime(inc.lastSeen, now)
		return true
	}
	inc := e.findIncident(st, now)
	if inc == nil {
		e.noteOnset(st)
		if len(e.incidents) >= e.cfg.MaxIncidents {
			// Beyond the bound an alert folds into its environment's storm
			// incident rather than failing open into a page of its own.
			e.stats.OverflowIncidents++
			inc = e.stormIncident(st, now)
		} else {
			inc = e.newIncident(st, now)
		}
	}
	st.firing = true
	e.join(inc, st, now)
	return true
}

func (e *Engine) newIncident(st *alertState, now time.Time) *incident {
	id := IncidentID(st.Fingerprint, st.StartsAt)
	for e.incidents[id] != nil {
		// Same alert, same onset, still open elsewhere: disambiguate.
		id = IncidentID(id, now)
	}
	inc := &incident{id: id, firstSeen: now, lastSeen: now, services: map[string]int{}}
	if st.Service == "" || !e.graph.HasNode(st.Service) {
		inc.groupKey = e.groupKey(st)
		if inc.groupKey != "" {
			e.byGroup[inc.groupKey] = id
		}
	}
	e.incidents[id] = inc
	return inc
}

// IncidentID is deterministic: the first alert's fingerprint and onset, so
// replicas and restarts that see the same alert name the incident alike.
func IncidentID(fingerprint string, onset time.Time) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(fingerprint))
	_, _ = h.Write([]byte{0xff})
	_, _ = h.Write(strconv.AppendInt(nil, onset.UnixNano(), 10))
	s := strconv.FormatUint(h.Sum64(), 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

func (e *Engine) join(inc *incident, st *alertState, now time.Time) {
	st.incident = inc.id
	if st.firing {
		inc.firing++
	}
	e.joinSeq++
	st.joined = e.joinSeq
	inc.members = append(inc.members, st.Fingerprint)
	e.addService(inc, st.Service)
	inc.lastSeen = maxTime(inc.lastSeen, now)
	inc.lastJoin = maxTime(inc.lastJoin, now)
	inc.dirty = true
	e.addRep(inc, st)
	e.addCause(inc, st)
	if inc.root == "" {
		inc.root = st.Fingerprint
		inc.ranking = []string{st.Service}
	}
}

func (e *Engine) groupKey(st *alertState) string {
	if len(e.cfg.GroupBy) == 0 {
		return ""
	}
	b := make([]byte, 0, 64)
	for _, l := range e.cfg.GroupBy {
		b = append(b, l...)
		b = append(b, '=')
		b = append(b, st.Labels[l]...)
		b = append(b, 0xff)
	}
	return string(b)
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
	var cands []cand
	consider := func(inc *incident, symptom bool, hops int) {
		if !e.live(inc, now) {
			return
		}
		// Candidates are few: a scan beats a set.
		for i := range cands {
			if c := &cands[i]; c.inc == inc {
				if better(symptom, hops, c.symptom, c.hops) {
					c.symptom, c.hops = symptom, hops
				}
				return
			}
		}
		cands = append(cands, cand{inc, symptom, hops})
	}
	if st.flapping || e.isLocal(st.RuleName) {
		// A local or flapping alert is neither a symptom nor a cause of
		// another service's alerts: an incident of its own (flap.go).
		return nil
	}
	// symptomOf: the incident has a non-local alert on d whose onset is
	// near st's, and (for another service) the traces do not show s as a
	// cause of its own: errors originating in s while no failing calls lead
	// from s to d.
	ownCause := e.originates(s)
	symptomOf := func(inc *incident, d string, hops int) bool {
		t, ok := inc.causes[d]
		return ok && e.nearHops(st.StartsAt, t, hops) && (d == s || !ownCause || e.failuresTravel(s, d))
	}
	{
		// Same service already alerting.
		for _, inc := range e.byService[s] {
			if symptomOf(inc, s, 0) {
				consider(inc, true, 0)
			}
		}
		// s calls d: s's alert is explained by an alerting dependency.
		for _, d := range e.graph.DependencyList(s, e.cfg.MaxHops) {
			for _, inc := range e.byService[d.Service] {
				if symptomOf(inc, d.Service, d.Hops) {
					consider(inc, true, d.Hops)
				}
			}
		}
	}
	// c calls s: s may be the deeper root of c's incident (whose root is
	// not a local alert, and whose first onset is near st's).
	for _, c := range e.graph.CallerList(s, e.cfg.MaxHops) {
		for _, inc := range e.byService[c.Service] {
			if e.rootService(inc) != c.Service {
				continue
			}
			if _, ok := inc.causes[c.Service]; !ok {
				continue
			}
			if e.near(st.StartsAt, inc.firstCause) {
				consider(inc, false, c.Hops)
			}
		}
	}
	if e.cfg.SeveritySplits {
		cands = e.splitBySeverity(st, cands)
	}
	if len(cands) == 0 || e.inBurst(st) {
		// In a burst (burst.go) the relations above are coincidence.
		return nil
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if better(a.symptom, a.hops, b.symptom, b.hops) {
			return -1
		}
		if better(b.symptom, b.hops, a.symptom, a.hops) {
			return 1
		}
		// The most recently active incident is the likelier cause of a new
		// alert; then paged before pending (joining adds no page).
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
	// A common dependency of several incidents' roots unites them: their
	// callers share it. The survivor is the earliest paged one (its page
	// stays the page), else the best candidate; paged incidents merged
	// into it are resolved with MergedInto set.
	group := []*incident{cands[0].inc}
	for _, c := range cands[1:] {
		if !c.symptom {
			group = append(group, c.inc)
		}
	}
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
		if inc.paged {
			e.rank(inc)
			snap := e.snapshot(inc, now)
			snap.MergedInto = survivor.id
			snap.Firing = nil
			e.merged = append(e.merged, Event{State: alertconv.IncidentResolved, Incident: snap})
			e.stats.Resolved++
			e.stats.Merged++
		}
		e.merge(survivor, inc)
	}
	return survivor
}

// cand is an open incident a new alert relates to through the graph: as a
// symptom of one of its alerts, or as the deeper root of its root.
type cand struct {
	inc     *incident
	symptom bool
	hops    int
}

// splitBySeverity drops the candidates SeveritySplits rules out: those st
// would join as a symptom more severe than every symptom they hold, and
// those whose root st would take over while that root is more severe than
// every other alert the take-over makes a symptom (the other candidates'
// alerts and its own symptoms).
func (e *Engine) splitBySeverity(st *alertState, cands []cand) []cand {
	sev := e.sevRank[st.Severity]
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

func (e *Engine) live(inc *incident, now time.Time) bool {
	return e.cfg.Window <= 0 || now.Sub(inc.lastJoin) <= e.cfg.Window
}

// merge moves a pending incident's members into dst.
func (e *Engine) merge(dst, src *incident) {
	slices.SortFunc(src.members, func(a, b string) int { return e.alerts[a].joined - e.alerts[b].joined })
	for _, fp := range src.members {
		st := e.alerts[fp]
		e.leave(src, st)
		st.incident = dst.id
		if st.firing {
			dst.firing++
		}
		dst.members = append(dst.members, fp)
		e.addRep(dst, st)
		e.addCause(dst, st)
		e.addService(dst, st.Service)
	}
	if src.firstSeen.Before(dst.firstSeen) {
		dst.firstSeen = src.firstSeen
	}
	dst.lastSeen = maxTime(dst.lastSeen, src.lastSeen)
	dst.lastJoin = maxTime(dst.lastJoin, src.lastJoin)
	dst.dirty = true
	e.drop(src)
}

// addService counts one more member of inc on svc and indexes inc under
// svc.
func (e *Engine) addService(inc *incident, svc string) {
	inc.services[svc]++
	if inc.services[svc] > 1 {
		return
	}
	set := e.byService[svc]
	if set == nil {
		set = map[string]*incident{}
		e.byService[svc] = set
	}
	set[inc.id] = inc
}

func (e *Engine) leave(inc *incident, st *alertState) {
	inc.services[st.Service]--
	if inc.services[st.Service] <= 0 {
		delete(inc.services, st.Service)
		if set := e.byService[st.Service]; set != nil {
			delete(set, inc.id)
			if len(set) == 0 {
				delete(e.byService, st.Service)
			}
		}
	}
}

func (e *Engine) drop(inc *incident) {
	e.unindexServices(inc)
	if inc.groupKey != "" && e.byGroup[inc.groupKey] == inc.id {
		delete(e.byGroup, inc.groupKey)
	}
	if inc.storm != "" && e.storms[inc.storm] == inc.id {
		delete(e.storms, inc.storm)
	}
	delete(e.incidents, inc.id)
}

// unindexServices removes inc from byService under each of its services.
func (e *Engine) unindexServices(inc *incident) {
	for s := range inc.services {
		if set := e.byService[s]; set != nil {
			delete(set, inc.id)
			if len(set) == 0 {
				delete(e.byService, s)
			}
		}
	}
}

func (e *Engine) rootService(inc *incident) string {
	if len(inc.ranking) > 0 {
		return inc.ranking[0]
	}
	if st := e.alerts[inc.root]; st != nil {
		return st.Service
	}
	return ""
}

// evictAlerts frees room when the alert map is full: it forgets every
// alert that is resolved and outside any open incident (their flap history
// goes early). A full scan, so at most once a second; between scans a full
// map refuses new alerts.
func (e *Engine) evictAlerts(now time.Time) bool {
	if !e.lastEvict.IsZero() && now.Sub(e.lastEvict) < time.Second {
		return false
	}
	e.lastEvict = now
	freed := false
	for fp, st := range e.alerts {
		if st.firing || e.incidents[st.incident] != nil {
			continue
		}
		delete(e.alerts, fp)
		freed = true
	}
	return freed
}

// Advance applies what time decides (held resolutions, group_wait) and
// returns the incident changes to emit, in a stable order.
func (e *Engine) Advance(now time.Time) []Event {
	e.now = maxTime(e.now, now)
	events := e.merged
	e.merged = nil
	// Held resolutions that are now stable.
	for fp, st := range e.held {
		if !st.firing || st.reported != alertconv.StateResolved {
			delete(e.held, fp)
			continue
		}
		hold := e.cfg.ResolveHold
		if st.flapping {
			hold = max(hold, e.cfg.Flap.Hold)
		}
		if now.Sub(st.lastChange) < hold {
			continue
		}
		st.firing = false
		st.flapping = false
		delete(e.held, fp)
		if inc := e.incidents[st.incident]; inc != nil {
			inc.dirty = true
			inc.firing--
		}
	}
	// Forget resolved alerts outside open incidents once their flap history
	// is old (a sweep at most once a second).
	if now.Sub(e.lastGC) >= time.Second {
		e.lastGC = now
		for fp, st := range e.alerts {
			if st.firing || e.incidents[st.incident] != nil {
				continue
			}
			if now.Sub(st.lastChange) > max(e.cfg.Flap.Window, e.cfg.ResolveHold) {
				delete(e.alerts, fp)
			}
		}
	}
	ids := make([]string, 0, len(e.incidents))
	for id, inc := range e.incidents {
		if inc.dirty || !inc.paged {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		inc := e.incidents[id]
		if inc.firing <= 0 {
			if inc.paged {
				e.rank(inc)
				events = append(events, Event{State: alertconv.IncidentResolved, Incident: e.snapshot(inc, now)})
				e.stats.Resolved++
			} else {
				e.stats.DroppedUnpaged++
			}
			e.close(inc)
			continue
		}
		if !inc.paged {
			if inc.dirty {
				e.rank(inc)
				inc.dirty = false
			}
			if now.Sub(inc.firstSeen) < e.groupWait(inc) {
				continue
			}
			e.rank(inc)
			inc.paged, inc.dirty = true, false
			inc.emitted = inc.snapshotKey(e)
			events = append(events, Event{State: alertconv.IncidentOpen, Incident: e.snapshot(inc, now)})
			e.stats.Opened++
			continue
		}
		if inc.dirty {
			e.rank(inc)
			inc.dirty = false
			if key := inc.snapshotKey(e); key != inc.emitted {
				inc.emitted = key
				events = append(events, Event{State: alertconv.IncidentUpdated, Incident: e.snapshot(inc, now)})
				e.stats.Updated++
			}
		}
	}
	return events
}

// groupWait is how long a pending incident waits before its page: GroupWait
// when its probable root is of the most severe level, LowGroupWait (when
// longer) otherwise, since a less severe root is more often the first
// symptom of a cause still to come.
func (e *Engine) groupWait(inc *incident) time.Duration {
	if e.cfg.LowGroupWait <= e.cfg.GroupWait {
		return e.cfg.GroupWait
	}
	if st := e.alerts[inc.root]; st != nil && e.sevRank[st.Severity] == len(e.cfg.Severities) {
		return e.cfg.GroupWait
	}
	return e.cfg.LowGroupWait
}

// snapshotKey summarizes what an update reports, so unchanged incidents do
// not emit.
func (inc *incident) snapshotKey(*Engine) string {
	// Members resolving one by one change nothing a record shows: only new
	// members and root changes are updates.
	return inc.root + "|" + strconv.Itoa(len(inc.members))
}

func (e *Engine) close(inc *incident) {
	for _, fp := range inc.members {
		if st := e.alerts[fp]; st != nil {
			st.incident = ""
		}
	}
	e.drop(inc)
}

// rank orders the incident's firing services by probable root: the
// deepest alerting dependency its alerting callers share (most alerting
// callers reach it within MaxHops; among those, fewest alerting
// dependencies below it), then onset, then severity.
func (e *Engine) rank(inc *incident) {
	// With evidence the ranking may change while the alerts do not.
	if !inc.rankDirty && len(inc.ranking) > 0 && !e.tracesActive() {
		return
	}
	inc.rankDirty = false
	type cand struct {
		*rep
		service string
		callers int
		deps    int
		origin  float64
	}
	if len(inc.reps) == 0 {
		return
	}
	byService := make(map[string]*cand, len(inc.reps))
	order := make([]*cand, 0, len(inc.reps))
	for svc, r := range inc.reps {
		c := &cand{rep: r, service: svc, origin: e.originRank(svc)}
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
	slices.SortFunc(order, func(a, b *cand) int {
		switch {
		case a.origin != b.origin:
			if a.origin > b.origin {
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
	})
	inc.ranking = inc.ranking[:0]
	for _, c := range order {
		inc.ranking = append(inc.ranking, c.service)
	}
	inc.root = order[0].fp
}

// rep is a service's representative alert in an incident: its earliest,
// then most severe. Every member counts, resolved ones too: a root alert
// that resolved while its symptoms linger is still the probable root.
type rep struct {
	fp    string
	onset time.Time
	sev   int
}

func (e *Engine) addRep(inc *incident, st *alertState) {
	if inc.reps == nil {
		inc.reps = map[string]*rep{}
	}
	if inc.repsAt == nil {
		inc.repsAt = make([]int, len(e.cfg.Severities)+1)
	}
	sev := e.sevRank[st.Severity]
	r := inc.reps[st.Service]
	if r == nil {
		inc.reps[st.Service] = &rep{fp: st.Fingerprint, onset: st.StartsAt, sev: sev}
		inc.repsAt[sev]++
		inc.rankDirty = true
		return
	}
	if st.StartsAt.Before(r.onset) || (st.StartsAt.Equal(r.onset) && sev > r.sev) {
		r.fp, r.onset = st.Fingerprint, st.StartsAt
		inc.rankDirty = true
	}
	if sev > r.sev {
		inc.repsAt[r.sev]--
		inc.repsAt[sev]++
		r.sev = sev
		inc.rankDirty = true
	}
}

func (e *Engine) snapshot(inc *incident, now time.Time) Snapshot {
	s := Snapshot{
		ID: inc.id, FirstSeen: inc.firstSeen, LastSeen: maxTime(inc.lastSeen, now),
		Ranking:    slices.Clone(inc.ranking),
		AlertCount: len(inc.members), SuppressedCount: len(inc.members) - 1, GroupKey: inc.groupKey,
		Storm: inc.storm != "",
	}
	if e.cfg.SnapshotMembers {
		s.Members = slices.Clone(inc.members)
		for _, fp := range inc.members {
			if e.alerts[fp].firing {
				s.Firing = append(s.Firing, fp)
			}
		}
	}
	if st := e.alerts[inc.root]; st != nil {
		s.RootService, s.RootAlert, s.RootFingerprint, s.RootSeverity = st.Service, st.RuleName, st.Fingerprint, st.Severity
	}
	for svc := range inc.services {
		s.Services = append(s.Services, svc)
		if svc != s.RootService {
			s.Symptoms = append(s.Symptoms, svc)
		}
	}
	slices.Sort(s.Services)
	slices.Sort(s.Symptoms)
	e.explain(&s, inc)
	if s.Evidence != "" {
		inc.why, inc.exemplar, inc.whyRoot = s.Evidence, s.ExemplarTraceID, s.RootService
	} else if inc.why != "" && inc.whyRoot == s.RootService {
		s.Evidence, s.ExemplarTraceID = inc.why, inc.exemplar
	}
	return s
}

// Open returns the current state of every open incident (paged or not), for
// shutdown: paged ones as updated, pending ones as open (they page now
// rather than never).
func (e *Engine) Open(now time.Time) []Event {
	ids := make([]string, 0, len(e.incidents))
	for id := range e.incidents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []Event
	for _, id := range ids {
		inc := e.incidents[id]
		e.rank(inc)
		state := alertconv.IncidentUpdated
		inc.emitted = inc.snapshotKey(e)
		if !inc.paged {
			state = alertconv.IncidentOpen
			inc.paged = true
			e.stats.Opened++
		}
		out = append(out, Event{State: state, Incident: e.snapshot(inc, now)})
	}
	return out
}

// List returns every open incident, sorted by id (for the JSON endpoint).
func (e *Engine) List(now time.Time) []Snapshot {
	out := make([]Snapshot, 0, len(e.incidents))
	for _, inc := range e.incidents {
		out = append(out, e.snapshot(inc, now))
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Incident returns the snapshot of an open incident.
func (e *Engine) Incident(id string, now time.Time) (Snapshot, bool) {
	inc, ok := e.incidents[id]
	if !ok {
		return Snapshot{}, false
	}
	return e.snapshot(inc, now), true
}

// IncidentOf returns the id of the incident an alert currently belongs to.
func (e *Engine) IncidentOf(fingerprint string) string {
	if st, ok := e.alerts[fingerprint]; ok {
		return st.incident
	}
	return ""
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
