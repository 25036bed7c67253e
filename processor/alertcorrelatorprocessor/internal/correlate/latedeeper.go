package correlate

import "time"

// A deeper root that alerts late. An alert on a dependency of an
// incident's root may take the incident over when its onset is within
// the onset window of the incident's first and its service explains its
// callers (specific.go: a third of its direct callers alert near its
// onset, or all but one). When it opens in the late half of that window,
// after the incident's own alerts have had half the window to gather, the
// incident's root is one of those callers and alerts by then whatever the
// dependency does, so it says little: an unrelated alert on the root's
// callee (a slow neighbour, a certificate, a disk under an opaque rule
// name) meets the bar with the root alone when the callee has three
// callers, or none of them when it has one. A real root alerting late (a
// retry storm's root, after its callers) has its callers alerting
// broadly. So a late deeper root takes over only when at least half of
// its direct callers alert near its onset, and one at least. Where the
// alerts carry severity the usual way (the root critical, its symptoms
// warning) severity_splits refused most such take-overs already; this
// needs no severity (forty-third pass). With recent spans that speak of
// the alerting services the evidence vets take-overs instead, as for
// specific.go; without an onset window (onset_window 0) there is no late
// half and nothing changes. It reads only the alerts and the incident's
// first onset, both restored from a snapshot: nothing to save.

// lateRootShown reports whether st may take inc over as its deeper root
// as far as the rule above goes. A caller alerting before st shows it up
// to lateCallerWindows onset windows earlier (lateroot.go); the counts are
// read once into r.
func (e *Engine) lateRootShown(st *alertState, inc *incident, now time.Time, r *lateReading) bool {
	if e.cfg.OnsetWindow <= 0 || e.tracesActive() || st.StartsAt.Sub(inc.firstCause) <= e.cfg.OnsetWindow/2 {
		return true
	}
	alerting, callers := r.counts(e, st, now)
	return alerting > 0 && 2*alerting >= callers
}
