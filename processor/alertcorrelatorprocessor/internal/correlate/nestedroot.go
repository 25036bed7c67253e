package correlate

// A newer fault's root that calls an older failing one (seventy-ninth
// pass). Two faults where one root calls the other (compose-post failing
// on its own while post-storage, which it calls, fails too) read as one
// by the evidence's Unexplained: the caller's failing calls into the
// older fault outnumber its own errors, so it counts as that fault's
// symptom, and the older origin's gathering (attribute.go) takes its
// alert, often its whole incident. What the spans say beyond the count:
// within one trace a server span whose call failed beneath it is no
// origin, so a caller's spans failing with no failing child at all are
// errors of its own however many of its other calls fail
// (evidence.Tracker.OwnErrorsAt; loose.go there). A symptom of the older
// fault shows none: its spans fail with the call beneath them. So an
// alert on such a service that opened after the older origin's alert,
// its own errors begun by its onset, is a second problem: the gathering
// leaves it, and its incident, alone, and an alert already in the older
// origin's incident leaves with the alerts that joined through it
// (followcause.go). Not for a service's later alert (an earlier one of
// its service still live): a service already failing on its own that
// trips another rule once the service below it fails tells the newer
// trouble's story (twoorigins.go reads it so too). Spans only; the older
// origin's own reading is untouched (Unexplained, as before).

// ownErrorsBy reports whether the spans show errors of st's service's own
// that had begun by st's onset: own errors that began later did not fire
// it (a symptom of the older fault whose service starts failing on its
// own afterwards is still that fault's).
func (e *Engine) ownErrorsBy(st *alertState) bool {
	return e.tracesActive() && e.cfg.Evidence.OwnErrorsAt(st.Service, st.StartsAt, e.now)
}

// newerOwnRoot reports whether st, an alert on a service that fails
// toward ost's and is no cause of its own by Unexplained, opened after
// ost's alert while its service shows errors of its own: a newer fault
// nested above ost's, not its symptom.
func (e *Engine) newerOwnRoot(st, ost *alertState) bool {
	return st.StartsAt.After(ost.StartsAt) && !e.alertedBefore(st) && e.ownErrorsBy(st)
}

// newerNestedRoot reports whether st, in inc, is a newer fault's root at
// a caller of inc's root: inc's root is a cause of its own, st's failing
// calls lead to it, st opened after the root's first alert and its
// service shows errors of its own.
func (e *Engine) newerNestedRoot(inc *incident, st *alertState) bool {
	root := e.rootService(inc)
	if root == "" || root == st.Service || !e.ownCause(root) || !e.failuresTravel(st.Service, root) {
		return false
	}
	t, ok := inc.causes[root]
	return ok && st.StartsAt.After(t) && !e.alertedBefore(st) && e.ownErrorsBy(st)
}

// rootAlert is the alert on inc's root service that opened earliest,
// nil when none stands.
func (e *Engine) rootAlert(inc *incident) *alertState {
	root := e.rootService(inc)
	var out *alertState
	for _, fp := range inc.members {
		if st := e.alerts[fp]; st != nil && st.Service == root && (out == nil || st.StartsAt.Before(out.StartsAt)) {
			out = st
		}
	}
	return out
}
