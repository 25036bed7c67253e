package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
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

// An alert's severity, rule, onset and flapping feed its incident's
// derived fields when it is attached (incident.go): whoever changes one
// on a member calls e.touched(st) first, so a later detach rebuilds.
type alertState struct {
	Alert
	firing      bool // effective state, as the incident sees it
	reported    string
	lastChange  time.Time
	transitions []time.Time
	flapping    bool
	// soloClosed is when a paged incident that held st alone last
	// resolved (repage.go).
	soloClosed time.Time
	incident   string
	firstSeen  time.Time
	lastSeen   time.Time
	joined     int // order in the incident

	// quietRefused: its take-overs were refused while its service read
	// quiet; they are tried again once errors originate there (gate.go).
	quietRefused bool
	// quietKept: a burst kept it apart from its relations while its
	// service read quiet (quietkept.go).
	quietKept bool
	// fresh is the cause its calls failed toward freshly at its onset
	// (freshcause.go).
	fresh *freshCause
	// ownSeen is when the traces had read its service as a cause of its
	// own for a whole evidence bucket while it waited as a possible origin;
	// ownFirst the first reading of that run (ownseen.go).
	ownSeen, ownFirst time.Time
	// movedLate: a late root took it from another fault's incident
	// (lateapart.go); it does not move so again.
	movedLate bool
	// waveKept: a wave of its rule kept it from its service's incident
	// (rulewave.go); it explains no other alert. Written by findIncident
	// before it joins.
	waveKept bool
	// awaitingSpans: new, it waits to be placed until its service's spans
	// catch up with its onset (spanwait.go). Set by awaitSpans, cleared by
	// fire once it is placed.
	awaitingSpans bool
}

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
	if len(e.alerts) >= e.cfg.MaxAlerts && !e.evictIdle() {
		e.stats.OverflowAlerts++
		return Result{Outcome: Overflow}
	}
	st = &alertState{Alert: a, reported: a.State, lastChange: now, firstSeen: now, lastSeen: now}
	e.alerts[a.Fingerprint] = st
	if e.awaitSpans(st) {
		e.stats.Held++
		return e.result(st, Held)
	}
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
		r.Suppressed = inc.rootFingerprint != st.Fingerprint
	}
	return r
}

func (e *Engine) update(st *alertState, a Alert, now time.Time) Result {
	st.lastSeen = now
	// Labels and annotations may change; identity does not.
	if st.Severity != a.Severity || st.RuleName != a.RuleName {
		e.touched(st)
	}
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
		e.touched(st)
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
	if !st.StartsAt.Equal(a.StartsAt) {
		e.touched(st)
	}
	st.StartsAt = a.StartsAt
	if !e.fire(st, now) {
		e.stats.OverflowIncidents++
		return Result{Outcome: Overflow}
	}
	return e.result(st, Correlated)
}
