package correlate

import "time"

// A fault's callers waiting in a burst. An alert refused as the symptom
// of a held cause (heldcause.go) opens an incident that waits for the
// held alert to take it over once the held service's callers show it.
// Outside a burst it always waits. In a burst (burst.go) one alerting
// caller of the held service is as likely a burst's alert (a deploy, a
// maintenance window) that happens to call it as the fault's symptom
// (TestBurstKeepsAFaultsDirectCaller): a burst's services form groups
// the graph does not connect, so one caller next to an alerting service
// is the coincidence the burst rule guards against. Two or more of the
// held service's direct callers alerting near its onset form one
// connected group with it, the shape of a fault spreading to its callers
// and no burst's: then the held alert takes over the incidents that wait
// for it from a burst too. Concurrent faults' onsets make a burst of
// their own, so without this a fault's callers that alerted in a storm
// stayed apart from their root's page.

// minBurstCallers is how many of a held service's direct callers must
// alert near its onset for it to take over incidents that began waiting
// for it in a burst.
const minBurstCallers = 2

// waitsInBurst reports whether inc waits for a held incident and began
// waiting in a burst: its first alert, the one that waits, opened it in
// a burst.
func (inc *incident) waitsInBurst() bool {
	return inc.waitsFor != "" && inc.openedInBurst
}

// takesWaiting reports whether the held incident inc, whose held alert
// hs now explains its callers, takes over o as one waiting for it.
func (e *Engine) takesWaiting(inc, o *incident, hs *alertState, now time.Time) bool {
	if o.waitsFor != inc.id {
		return false
	}
	if !o.waitsInBurst() {
		return true
	}
	alerting, _ := e.callerCounts(hs.Service, hs.StartsAt, now)
	return alerting >= minBurstCallers
}
