package correlate

import (
	"time"
)

// An alert that is resolved and outside any open incident is idle: it is
// kept only for its flap history. One sweep, run by Advance at most once a
// second, forgets the idle alerts whose history is old and lists the
// others, so an Ingest that finds the alert map full evicts without a scan
// of its own. Between sweeps, a full map with no idle alert listed refuses
// new alerts.

// idle reports whether st is resolved and outside any open incident.
func (e *Engine) idle(st *alertState) bool {
	return !st.firing && e.incidents[st.incident] == nil && !st.awaitingSpans
}

// sweep forgets idle alerts whose flap history is old (older than the flap
// window and the resolve hold) and lists the idle ones it keeps.
func (e *Engine) sweep(now time.Time) {
	if now.Sub(e.lastSweep) < time.Second {
		return
	}
	e.lastSweep = now
	horizon := max(e.cfg.Flap.Window, e.cfg.ResolveHold)
	e.idleAlerts = e.idleAlerts[:0]
	for fp, st := range e.alerts {
		if !e.idle(st) {
			continue
		}
		if now.Sub(st.lastChange) > horizon {
			delete(e.alerts, fp)
			continue
		}
		e.idleAlerts = append(e.idleAlerts, fp)
	}
}

// evictIdle frees room when the alert map is full: it forgets the alerts
// the last sweep listed that are idle still (their flap history goes
// early). False when none is.
func (e *Engine) evictIdle() bool {
	freed := false
	for _, fp := range e.idleAlerts {
		if st := e.alerts[fp]; st != nil && e.idle(st) {
			delete(e.alerts, fp)
			freed = true
		}
	}
	e.idleAlerts = e.idleAlerts[:0]
	return freed
}
