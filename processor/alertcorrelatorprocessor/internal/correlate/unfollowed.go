package correlate

import "time"

// An alert that fires again after a resolution its incident's other
// alerts did not follow. A symptom's condition follows its cause: when
// the alert resolved while every other alert firing beside it kept
// firing through its off period, and none changed state, its episodes
// are its own wobble, not the incident's. At its second firing (before
// Flap.Threshold changes mark it flapping) it is treated as flapping:
// it leaves the incident for one of its own and explains no other alert
// (detachFlapping). Reads the alerts' state changes only.

// unfollowedRefire reports whether st, firing again at now after a
// resolution within Flap.Window, resolved while the other members of its
// incident kept firing: at least one fires and changed nothing since
// before st's resolution, and none changed state since.
func (e *Engine) unfollowedRefire(st *alertState, now time.Time) bool {
	k := len(st.transitions)
	if e.cfg.Flap.Threshold <= 0 || st.flapping || k < 2 || k >= e.cfg.Flap.Threshold {
		return false
	}
	inc := e.incidents[st.incident]
	if inc == nil || inc.storm != "" {
		return false
	}
	resolvedAt := st.transitions[k-2]
	kept := false
	for _, fp := range inc.members {
		m := e.alerts[fp]
		if m == nil || m == st {
			continue
		}
		if !m.lastChange.Before(resolvedAt) {
			return false
		}
		kept = kept || m.firing
	}
	return kept
}
