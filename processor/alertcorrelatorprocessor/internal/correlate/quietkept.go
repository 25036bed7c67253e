package correlate

import (
	"slices"
	"time"
)

// An alert a burst kept apart because its service read quiet, read again.
// In a burst, burstjoin.go keeps an alert's relations only when the spans
// do not show its service quiet: a maintenance window's alerts sit on
// services nothing fails in. But spans reach the correlator later than
// alerts (a tail sampler's decision wait, batching, export intervals),
// and a fault's callers that alert at its first seconds read quiet too:
// on the latency storms on scale-free-200 with traces and a second alert
// per service, 52 of 109 direct callers of errors faults read quiet at
// their first firing, 48 of them no longer a minute later, while 24 of 25
// maintenance and unrelated alerts still did (EVALUATION.md, sixty-fourth
// pass). So such an alert's lone incident waits for its page while its
// service reads quiet, at most CauseWait past group_wait, and once the
// spans no longer show its service quiet its relations are read again as
// burstjoin.go reads them: kept, its incident merges into the one they
// lead to. Still quiet, it pages on its own. Nothing moves without spans.

// noteQuietKept queues st, kept apart in a burst while its service read
// quiet, to be read again.
func (e *Engine) noteQuietKept(st *alertState) {
	if st.quietKept || e.cfg.CauseWait <= 0 {
		return
	}
	st.quietKept = true
	e.quietKept = append(e.quietKept, st.Fingerprint)
}

// awaitsQuietRead reports whether inc's page waits for its alert's
// service to read other than quiet (see the comment at the top).
func (e *Engine) awaitsQuietRead(inc *incident, now time.Time) bool {
	if e.cfg.CauseWait <= 0 || !inc.loneInBurst() || now.Sub(inc.firstSeen) >= e.groupWait(inc)+e.cfg.CauseWait {
		return false
	}
	st := e.alerts[inc.rootFingerprint]
	return st != nil && st.quietKept && e.quiet(st.Service)
}

// rejoinQuietKept reads the queued alerts again, once a second: each whose
// service no longer reads quiet keeps the relations burstjoin.go would
// have kept, and its lone incident merges into the one they lead to.
func (e *Engine) rejoinQuietKept(now time.Time) {
	if len(e.quietKept) == 0 || now.Sub(e.lastQuietRead) < time.Second {
		return
	}
	e.lastQuietRead = now
	keep := e.quietKept[:0]
	for _, fp := range e.quietKept {
		st := e.alerts[fp]
		if st == nil || !st.quietKept {
			continue
		}
		inc := e.incidents[st.incident]
		if inc == nil || !st.firing || !inc.loneInBurst() || now.Sub(inc.firstSeen) >= e.groupWait(inc)+e.cfg.CauseWait {
			st.quietKept = false
			continue
		}
		if e.quiet(st.Service) {
			keep = append(keep, fp)
			continue
		}
		st.quietKept = false
		e.rejoin(st, inc, now)
	}
	clear(e.quietKept[len(keep):])
	e.quietKept = keep
}

// rejoin merges inc, st's lone incident, into the incident st's kept
// relations lead to, if any.
func (e *Engine) rejoin(st *alertState, inc *incident, now time.Time) {
	cands := slices.DeleteFunc(e.candidates(st, now), func(c cand) bool { return c.inc == inc })
	if len(cands) == 0 {
		return
	}
	cands = e.burstKeeps(st, cands)
	if len(cands) == 0 {
		return
	}
	sortCands(cands)
	e.mergeInto(cands[0].inc, inc, now)
}
