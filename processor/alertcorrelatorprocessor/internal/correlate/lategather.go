package correlate

import "time"

// An origin gathers the callers that alerted before it. A rule fires
// after its `for:`, at an evaluation of its group: when a failing
// service's own rule has the longer `for:`, its callers cross theirs
// minutes before it alerts (lateroot.go). attribute.go gathers, once the
// spans show the new alert's service as a cause of its own, the alerts
// whose failing calls lead to it, but only those that opened within the
// onset window before it (older alerts were there before the fault) and
// only from live incidents (a join within the correlation window). A
// caller that alerted alone two or three minutes before its late root
// is neither: it stays a page of its own (EVALUATION.md, sixty-first
// pass). So an origin also gathers an alert that opened before it by
// more than the onset window, up to lateCallerWindows onset windows (the
// late-caller bound), from its incident even past the correlation
// window, when:
//   - the alert still fires (one that stopped before the origin alerted
//     is over);
//   - its service calls the origin's directly (the callers of a failing
//     service are the ones that cross a rule before it; an older alert
//     three hops up whose calls now fail was there before);
//   - its service has no alert of its own near the origin's onset (a
//     service that alerts again with the fault tells it with that alert;
//     its older one began before the fault);
//   - its incident's root is no origin of its own (callersOnly: a root
//     failing on its own is another fault's, as a producer in front of a
//     failing consumer).
// attribute.go's own tests stand: the caller is no cause of its own, its
// failing calls lead to the origin, the origin is a cause of its own.
// With spans only (attribute.go's queue); nothing new to save: it reads
// the alerts' onsets and firing state and the graph, in the snapshot.

// attributableOnset reports whether st, an alert of src whose failing
// calls lead to the origin ost, opened near enough before ost to be
// gathered: within the onset window when src is live, or as a late
// caller (lateCaller). From an incident past the correlation window
// only late callers move: it was read for them (gatherable).
func (e *Engine) attributableOnset(src *incident, ost, st *alertState, live bool) bool {
	w := e.cfg.OnsetWindow
	if w <= 0 || live && ost.StartsAt.Sub(st.StartsAt) <= w {
		return true
	}
	return e.lateCaller(src, ost, st)
}

// lateCaller reports whether st, an alert of src, is a late root's
// caller to ost: it opened before ost by more than the onset window and
// up to lateCallerWindows of them, still fires, its service calls ost's
// directly and has no alert of its own near ost's onset, and src's root
// is no origin (callersOnly). A service that alerts again near the
// origin's onset tells the origin's story with that alert; its older
// one began before the fault.
func (e *Engine) lateCaller(src *incident, ost, st *alertState) bool {
	w := e.cfg.OnsetWindow
	lag := ost.StartsAt.Sub(st.StartsAt)
	return st.firing && lag > w && lag <= lateCallerWindows*w && e.callsDirectly(st.Service, ost.Service) &&
		!e.alertedNear(st.Service, ost.StartsAt) && e.callersOnly(src)
}

// alertedNear reports whether svc has an alert, in any incident, with an
// onset within the onset window of at.
func (e *Engine) alertedNear(svc string, at time.Time) bool {
	for _, inc := range e.byService[svc] {
		for _, fp := range inc.services[svc] {
			if st := e.alerts[fp]; st != nil && e.near(at, st.StartsAt) {
				return true
			}
		}
	}
	return false
}

// gatherable reports whether ost's origin may read src, an incident
// holding an alert on svc, a caller of it: src is live, or past the
// correlation window while it holds a late caller on svc (lateCaller).
func (e *Engine) gatherable(src *incident, svc string, ost *alertState, now time.Time) bool {
	if e.live(src, now) {
		return true
	}
	if e.cfg.OnsetWindow <= 0 {
		return false
	}
	for _, fp := range src.services[svc] {
		if st := e.alerts[fp]; st != nil && e.lateCaller(src, ost, st) {
			return true
		}
	}
	return false
}

// callsDirectly reports whether s calls d directly.
func (e *Engine) callsDirectly(s, d string) bool {
	_, ok := e.graph.Hops(s, d, 1)
	return ok
}

// callersOnly reports whether src's root is no origin of errors or
// latency of its own (originates): an incident opened by a late root's
// callers holds services failing through their calls; one whose root
// fails on its own is another fault's (a producer in front of a failing
// consumer fails on its own too), whose older alerts a later origin does
// not take.
func (e *Engine) callersOnly(src *incident) bool {
	r := e.rootService(src)
	return r != "" && !e.originates(r)
}
