package correlate

import (
	"slices"
	"time"
)

// A flapping alert (one fingerprint firing and resolving again and again)
// says nothing about other alerts' onsets: its episodes start whenever its
// own condition wobbles. Once it is known to flap it leaves an incident it
// shares with other alerts for one of its own, is no cause other alerts
// join through (addCause), and joins no other incident (findIncident);
// an incident it led is placed again without it (rehomeLeftBehind).

// detachFlapping moves st, just found flapping, out of an incident it
// shares with other alerts into an incident of its own; the incident it
// led goes where its new root relates.
func (e *Engine) detachFlapping(st *alertState, now time.Time) {
	inc := e.incidents[st.incident]
	led := inc != nil && inc.rootFingerprint == st.Fingerprint
	if e.moveToOwn(st, now) {
		e.stats.FlapDetached++
		if led && !e.tracesActive() {
			e.rehomeLeftBehind(inc, now)
		}
	}
}

// rehomeLeftBehind merges inc, an incident a flapping alert led (its
// root) until it left, into the live incident inc's new root now relates
// to as a symptom, the best by findIncident's order. Before its
// flap.threshold changes a flapping alert is a cause like any other, and
// without a rule name that says it is local (local_rules) nothing tells it
// apart: a caller of both it and a failing service joins its incident,
// the more recently active of the two, and stays there when it leaves, a
// fragment of the other fault. Once it is known to flap it explained
// nothing, so what it led is placed again as if it had not alerted
// (forty-ninth pass). With spans that speak of the alerts it stands
// aside, as latedeeper.go does: the origins gather what the flapping
// alert led (attribute.go), and the merge adds only the graph's guess
// (with traces it changed one tuning run of eighteen, merging two
// faults). No new state: the incident's root and members are restored
// from a snapshot.
func (e *Engine) rehomeLeftBehind(inc *incident, now time.Time) {
	r := e.alerts[inc.rootFingerprint]
	if r == nil || inc.storm != "" || !e.live(inc, now) {
		return
	}
	cands := slices.DeleteFunc(e.candidates(r, now), func(c cand) bool { return c.inc == inc || !c.symptom || c.inc.storm != "" })
	if len(cands) == 0 {
		return
	}
	sortCands(cands)
	e.mergeInto(cands[0].inc, inc, now)
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
