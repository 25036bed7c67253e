package correlate

import "time"

// Two independent origins. An incident whose root is a cause of its own
// (evidence.Unexplained) gives a newer origin only its later episodes
// (laterEpisodes): a shared caller in front of both fails toward both,
// and nothing in its spans says which fault its alert is for. But an
// alert of that incident whose failing calls lead to the newer origin
// and not to the incident's root, the two roots apart (each a cause of
// its own, neither's failing calls leading to the other), fails for the
// newer origin alone: the spans name its cause, and it is not the root
// it was paged with (fifty-fifth pass).

// apartAttributed lists src's alerts, src being explained by an origin
// of its own, whose errors the traces attribute to ost's service alone:
// as attributed, and their failing calls do not lead to src's root,
// which is apart from ost's service.
func (e *Engine) apartAttributed(src *incident, ost *alertState, now time.Time) []*alertState {
	root, origin := e.rootService(src), ost.Service
	if root == "" || e.failuresTravel(root, origin) || e.failuresTravel(origin, root) {
		return nil
	}
	var out []*alertState
	for _, st := range e.attributed(src, ost, now) {
		if st.Service != root && !e.failuresTravel(st.Service, root) {
			out = append(out, st)
		}
	}
	return out
}

// appendNew appends to a the alerts of b not already in it.
func appendNew(a, b []*alertState) []*alertState {
	for _, st := range b {
		found := false
		for _, x := range a {
			found = found || x == st
		}
		if !found {
			a = append(a, st)
		}
	}
	return a
}
