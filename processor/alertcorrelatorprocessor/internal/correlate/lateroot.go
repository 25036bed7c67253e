package correlate

import "time"

// A root that alerts late. A rule fires after its `for:`, at an
// evaluation of its group: when a failing service's own rule has a longer
// `for:` than its callers' rule, its callers cross theirs first and the
// service alerts minutes after them (EVALUATION.md, forty-fourth and
// forty-eighth passes). Its callers' alerts then fall before the onset
// window of its own: they do not show it (specific.go), it is ranked
// after them, and their incident opened past the window in which a
// dependency takes one over (match.go, deeperRootOf): the root is paged
// apart from its symptoms, or named after them. latecaller.go is the
// other order (the callers' rule the slower). So, for a take-over:
//   - a direct caller alerting before a dependency shows it up to
//     lateCallerWindows onset windows earlier (callerShows; after it,
//     within the onset window as before), for the bar a take-over must
//     meet: explainsLate, when two callers at least show it so (one
//     caller alerting before a dependency is as often the caller's own
//     trouble), and the late half of latedeeper.go;
//   - a dependency takes over an incident whose first onset is past the
//     onset window before its own, up to lateCallerWindows onset windows,
//     only when two of its direct callers alerted in that span within the
//     burst window of each other (lateTogether): the callers of a failing
//     service that trip one rule cross it at one evaluation; two callers
//     minutes apart crossed two rules, and a later dependency is then as
//     often a new fault below an old one;
//   - in the rank, a service two of whose direct callers alert in its
//     incident within those bounds, as many as explainedBy asks, is no
//     longer vague (lateShownIn): it is the root they show.
// The rank and the held causes otherwise read the onset window alone.
// With recent spans the bar and the rank read the evidence instead
// (specific.go, latedeeper.go): only the late take-over acts. All
// bounded by the onset window; with it zero nothing changes. They read the
// incidents' causes and the graph, all in the snapshot: nothing new to
// save.

// callerShows reports whether svc, a direct caller of a service alerting
// at at, has a non-local alert in a live incident that shows it
// (showsLate).
func (e *Engine) callerShows(svc string, at, now time.Time) bool {
	for _, inc := range e.byService[svc] {
		t, ok := inc.causes[svc]
		if ok && e.live(inc, now) && e.showsLate(at, t) {
			return true
		}
	}
	return false
}

// showsLate reports whether a caller's onset t shows a dependency alerting
// at at: near it, or before it by up to lateCallerWindows onset windows.
func (e *Engine) showsLate(at, t time.Time) bool {
	w := e.cfg.OnsetWindow
	return e.near(at, t) || w > 0 && t.Before(at) && at.Sub(t) <= lateCallerWindows*w
}

// lateReading is what deeperRootOf reads of st's direct callers: the
// same for every incident st may take over, so read once per call, on
// first use, not once per candidate incident.
type lateReading struct {
	counted, togetherRead bool
	alerting, callers     int
	together              bool
}

// counts is lateCallerCounts of st, read once.
func (r *lateReading) counts(e *Engine, st *alertState, now time.Time) (alerting, callers int) {
	if !r.counted {
		r.alerting, r.callers = e.lateCallerCounts(st.Service, st.StartsAt, now)
		r.counted = true
	}
	return r.alerting, r.callers
}

// lateTogether is lateTogether of st, read once.
func (r *lateReading) lateTogether(e *Engine, st *alertState, now time.Time) bool {
	if !r.togetherRead {
		r.together = e.lateTogether(st.Service, st.StartsAt, now)
		r.togetherRead = true
	}
	return r.together
}

// lateCallerCounts is callerCounts with callerShows.
func (e *Engine) lateCallerCounts(svc string, at, now time.Time) (alerting, callers int) {
	return e.countCallers(svc, "", func(c string) bool { return e.callerShows(c, at, now) })
}

// explainsLate is explainsCallers with callerShows: st's service may take
// over its callers' incidents as their root.
func (e *Engine) explainsLate(st *alertState, now time.Time) bool {
	if e.explainsCallers(st, now) {
		return true
	}
	alerting, callers := e.lateCallerCounts(st.Service, st.StartsAt, now)
	return e.cfg.OnsetWindow > 0 && alerting >= 2 && explainedBy(alerting, callers)
}

// lateRootOf reports whether st may take inc over as its deeper root as far
// as onsets go: st's onset near the incident's first, or after it by up to
// lateCallerWindows onset windows when two of st's direct callers alerted
// late before it together (lateTogether, read once into r).
func (e *Engine) lateRootOf(st *alertState, inc *incident, now time.Time, r *lateReading) bool {
	if e.near(st.StartsAt, inc.firstCause) {
		return true
	}
	lag := st.StartsAt.Sub(inc.firstCause)
	if e.cfg.OnsetWindow <= 0 || lag <= 0 || lag > lateCallerWindows*e.cfg.OnsetWindow {
		return false
	}
	return r.lateTogether(e, st, now)
}

// lateTogether reports whether two direct callers of svc, alerting at at,
// alerted past the onset window before it, within lateCallerWindows onset
// windows, within the burst window of each other: one rule crossed at one
// evaluation.
func (e *Engine) lateTogether(svc string, at, now time.Time) bool {
	w := e.cfg.OnsetWindow
	if e.cfg.Burst.Window <= 0 {
		return false
	}
	var seen []string
	var ons []time.Time
	for _, c := range e.graph.CallerList(svc, 1) {
		for _, inc := range e.byService[c.Service] {
			t, ok := inc.causes[c.Service]
			if lag := at.Sub(t); !ok || !e.live(inc, now) || lag <= w || lag > lateCallerWindows*w {
				continue
			}
			for i, o := range ons {
				if seen[i] != c.Service && t.Sub(o).Abs() <= e.cfg.Burst.Window {
					return true
				}
			}
			seen, ons = append(seen, c.Service), append(ons, t)
		}
	}
	return false
}

// lateShownIn reports whether svc, alerting in inc at at, is shown there
// by its direct callers as a late root: at least two of them alert in inc
// with onsets that show it (callerShows' bounds), and as many as
// explainedBy asks.
func (e *Engine) lateShownIn(inc *incident, svc string, at time.Time) bool {
	w := e.cfg.OnsetWindow
	if w <= 0 || svc == "" {
		return false
	}
	alerting, callers := e.countCallers(svc, "", func(c string) bool {
		t, ok := inc.causes[c]
		return ok && e.showsLate(at, t)
	})
	return alerting >= 2 && explainedBy(alerting, callers)
}
