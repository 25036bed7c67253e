package correlate

import "time"

// A flapping alert (one fingerprint firing and resolving again and again)
// says nothing about other alerts' onsets: its episodes start whenever its
// own condition wobbles. Once it is known to flap it leaves an incident it
// shares with other alerts for one of its own, is no cause other alerts
// join through (addCause), and joins no other incident (findIncident).

// detachFlapping moves st, just found flapping, out of an incident it
// shares with other alerts into an incident of its own.
func (e *Engine) detachFlapping(st *alertState, now time.Time) {
	if e.moveToOwn(st, now) {
		e.stats.FlapDetached++
	}
}

// moveToOwn moves st out of an incident it shares with other alerts into
// an incident of its own, and reports whether it did.
func (e *Engine) moveToOwn(st *alertState, now time.Time) bool {
	inc := e.incidents[st.incident]
	if inc == nil || len(inc.members) < 2 || inc.storm != "" {
		return false
	}
	e.detach(inc, st)
	own := e.newIncident(st, now)
	e.join(own, st, now)
	return true
}

// refired reports whether st, now resolving, fired again after a
// resolution within Flap.Window: its state changes are then at least
// resolved, firing, resolved. Its resolution waits Flap.Hold, as a
// flapping alert's does: each early resolution of a wobbling alert would
// otherwise end its incident, and its next firing page again, until
// Flap.Threshold changes mark it flapping. It is not flapping: it still
// joins and gathers as before.
func (e *Engine) refired(st *alertState) bool {
	return e.cfg.Flap.Threshold > 0 && len(st.transitions) >= 3
}
