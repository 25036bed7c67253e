package correlate

import (
	"slices"
	"time"
)

// A flapping alert (one fingerprint firing and resolving again and again)
// says nothing about other alerts' onsets: its episodes start whenever its
// own condition wobbles. Once it is known to flap it leaves an incident it
// shares with other alerts for one of its own, is no cause other alerts
// join through (addCause), and joins no other incident (findIncident).

// detachFlapping moves st, just found flapping, out of an incident it
// shares with other alerts into an incident of its own.
func (e *Engine) detachFlapping(st *alertState, now time.Time) {
	if e.detach(st, now) {
		e.stats.FlapDetached++
	}
}

// detach moves st out of an incident it shares with other alerts into an
// incident of its own, and reports whether it did.
func (e *Engine) detach(st *alertState, now time.Time) bool {
	inc := e.incidents[st.incident]
	if inc == nil || len(inc.members) < 2 || inc.storm != "" {
		return false
	}
	rest := slices.DeleteFunc(slices.Clone(inc.members), func(fp string) bool { return fp == st.Fingerprint })
	e.rebuild(inc, rest)
	own := e.newIncident(st, now)
	e.join(own, st, now)
	return true
}

// rebuild recomputes inc's members and every field derived from them
// (services and their index, reps, causes, firing count, first root) from
// members, in join order.
func (e *Engine) rebuild(inc *incident, members []string) {
	e.unindexServices(inc)
	inc.members, inc.services = nil, map[string]int{}
	inc.reps, inc.repsAt, inc.causes = nil, nil, nil
	inc.firstCause, inc.firing, inc.root, inc.ranking = time.Time{}, 0, "", nil
	slices.SortFunc(members, func(a, b string) int { return e.alerts[a].joined - e.alerts[b].joined })
	for _, fp := range members {
		st := e.alerts[fp]
		inc.members = append(inc.members, fp)
		if st.firing {
			inc.firing++
		}
		e.addService(inc, st.Service)
		e.addRep(inc, st)
		e.addCause(inc, st)
		if inc.root == "" {
			inc.root, inc.ranking = fp, []string{st.Service}
		}
	}
	inc.dirty, inc.rankDirty = true, true
}
