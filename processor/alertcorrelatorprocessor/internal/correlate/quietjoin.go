package correlate

import (
	"slices"
	"time"
)

// An alert placed while its service read quiet, placed again once its
// spans are in. A collector receives a service's spans seconds after they
// ended (a BatchProcessor's timeout, an exporter's queue: 5-10 s are
// common defaults), while an alert comes when its rule fires. A fault's
// caller whose failing calls still sit in its exporter's batch reads quiet
// at its onset: the spans say nothing of where its errors come from, and
// the graph alone places it, by the nearest alerting service (its own
// service's earlier alert, a dependency's). Next to a concurrent fault that
// is often the other fault's incident, and the callers that alert after it
// follow it there: one page for two faults. With each service's spans 0-10
// s late, on the storms on layered-300, the merges of two faults that the
// spans on time did not make formed so (EVALUATION.md, seventy-eighth
// pass). So an alert that joined an incident, not as its root, while its
// service read quiet is read again once a second until the spans no
// longer show it quiet, at most CauseWait past group_wait: if its failing
// calls then do not reach its incident's root but reach the root of
// another incident it relates to as a symptom, it moves there with the
// alerts that joined through it (moveWithSymptoms). Nothing moves without
// spans (quiet reads false then) nor while the spans still read it quiet.

// noteQuietJoin queues st, which just joined inc while its service read
// quiet, to be read again.
func (e *Engine) noteQuietJoin(st *alertState, inc *incident) {
	if st.quietJoin || e.cfg.CauseWait <= 0 || len(inc.members) < 2 || inc.storm != "" ||
		inc.rootFingerprint == st.Fingerprint || !e.quiet(st.Service) {
		return
	}
	st.quietJoin = true
	e.quietJoins = append(e.quietJoins, st.Fingerprint)
}

// readQuietJoins reads the queued alerts again, once a second (see the
// comment at the top).
func (e *Engine) readQuietJoins(now time.Time) {
	if len(e.quietJoins) == 0 || now.Sub(e.lastJoinRead) < time.Second {
		return
	}
	e.lastJoinRead = now
	keep := e.quietJoins[:0]
	for _, fp := range e.quietJoins {
		st := e.alerts[fp]
		if st == nil || !st.quietJoin {
			continue
		}
		inc := e.incidents[st.incident]
		if inc == nil || !st.firing || inc.storm != "" || now.Sub(st.firstSeen) >= e.groupWait(inc)+e.cfg.CauseWait {
			st.quietJoin = false
			continue
		}
		if e.quiet(st.Service) {
			keep = append(keep, fp)
			continue
		}
		st.quietJoin = false
		if to := e.reachedElsewhere(st, inc, now); to != nil && e.moveWithSymptoms(st, now) {
			e.stats.EvidenceDetached++
			e.mergeInto(to, e.incidents[st.incident], now)
		}
	}
	clear(e.quietJoins[len(keep):])
	e.quietJoins = keep
}

// reachedElsewhere is the incident, other than inc, whose root st's
// failing calls reach and st relates to as a symptom, when they do not
// reach inc's root; nil otherwise, or when st is inc's root or on its
// root's service.
func (e *Engine) reachedElsewhere(st *alertState, inc *incident, now time.Time) *incident {
	root := e.rootService(inc)
	if inc.rootFingerprint == st.Fingerprint || root == st.Service || e.failuresTravel(st.Service, root) {
		return nil
	}
	cands := slices.DeleteFunc(e.candidates(st, now), func(c cand) bool {
		return c.inc == inc || !c.symptom || !e.failuresTravel(st.Service, e.rootService(c.inc))
	})
	if len(cands) == 0 {
		return nil
	}
	sortCands(cands)
	return cands[0].inc
}
