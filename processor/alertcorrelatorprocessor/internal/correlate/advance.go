package correlate

import (
	"slices"
	"strconv"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Advance applies what time decides (held resolutions, group_wait) and
// returns the incident changes to emit, in a stable order.
func (e *Engine) Advance(now time.Time) []Event {
	e.now = maxTime(e.now, now)
	e.placeAwaited(now, false)
	e.confirmCoupling()
	e.recheckSymptoms(now)
	e.attributeToOrigins(now)
	e.rejoinQuietKept(now)
	events := e.merged
	e.merged = nil
	e.applyHeld(now)
	ids := make([]string, 0, len(e.incidents))
	for id, inc := range e.incidents {
		if inc.dirty || !inc.paged {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if ev, ok := e.advanceIncident(e.incidents[id], now); ok {
			events = append(events, ev)
		}
	}
	e.sweep(now)
	return events
}

// applyHeld applies the held resolutions that are now stable (ResolveHold,
// or Flap.Hold while flapping).
func (e *Engine) applyHeld(now time.Time) {
	for fp, st := range e.held {
		if !st.firing || st.reported != alertconv.StateResolved {
			delete(e.held, fp)
			continue
		}
		hold := e.cfg.ResolveHold
		if st.flapping || e.refired(st) {
			hold = max(hold, e.cfg.Flap.Hold)
		}
		if now.Sub(st.lastChange) < hold {
			continue
		}
		e.setFiring(st, false)
		if st.flapping {
			e.touched(st)
		}
		st.flapping = false
		delete(e.held, fp)
	}
}

// advanceIncident decides what a dirty or pending incident emits: its
// resolution once no member fires, its page once group_wait has passed,
// or an update when what a record shows changed.
func (e *Engine) advanceIncident(inc *incident, now time.Time) (Event, bool) {
	switch {
	case inc.firing <= 0:
		return e.resolveIncident(inc, now)
	case !inc.paged:
		return e.pageIncident(inc, now)
	case !inc.dirty:
		return Event{}, false
	}
	e.rankForRecord(inc)
	inc.dirty = false
	key := inc.snapshotKey(e)
	if key == inc.emitted {
		return Event{}, false
	}
	inc.emitted = key
	e.stats.Updated++
	return Event{State: alertconv.IncidentUpdated, Incident: e.snapshot(inc, now)}, true
}

// resolveIncident closes an incident none of whose members fires: a
// resolved record if it paged, nothing if it never did.
func (e *Engine) resolveIncident(inc *incident, now time.Time) (Event, bool) {
	var ev Event
	if inc.paged {
		e.rank(inc)
		ev = Event{State: alertconv.IncidentResolved, Incident: e.snapshot(inc, now)}
		ev.Incident.MergedInto = e.emptiedInto(inc)
		e.stats.Resolved++
		e.noteSoloClosed(inc, now)
	} else {
		e.stats.DroppedUnpaged++
	}
	e.close(inc)
	return ev, inc.paged
}

// pageIncident pages a pending incident once its group_wait has passed.
func (e *Engine) pageIncident(inc *incident, now time.Time) (Event, bool) {
	if inc.dirty {
		e.rank(inc)
		inc.dirty = false
	}
	if now.Sub(inc.firstSeen) < e.groupWait(inc) {
		return Event{}, false
	}
	if hold := e.pageHold(inc, now); hold != "" {
		e.noteHold(inc, hold, now)
		return Event{}, false
	}
	e.rankForRecord(inc)
	inc.paged, inc.dirty = true, false
	inc.emitted = inc.snapshotKey(e)
	e.stats.Opened++
	return Event{State: alertconv.IncidentOpen, Incident: e.snapshot(inc, now)}, true
}

// rankForRecord ranks inc for an open or updated record about to go out
// (advanceIncident, pageIncident, the shutdown flush), naming a lone
// caller's silent dependency (lonesilent.go) as every such record does.
func (e *Engine) rankForRecord(inc *incident) {
	e.rank(inc)
	e.nameLoneSilentRoot(inc)
}

// groupWait is how long a pending incident waits before its page: GroupWait
// when its probable root is of the most severe level, LowGroupWait (when
// longer) otherwise, since a less severe root is more often the first
// symptom of a cause still to come.
func (e *Engine) groupWait(inc *incident) time.Duration {
	if e.cfg.LowGroupWait <= e.cfg.GroupWait {
		return e.cfg.GroupWait
	}
	if st := e.alerts[inc.rootFingerprint]; st != nil && e.severityRank(st.Severity) == len(e.cfg.Severities) {
		return e.cfg.GroupWait
	}
	return e.cfg.LowGroupWait
}

// snapshotKey summarizes what an update reports, so unchanged incidents do
// not emit.
func (inc *incident) snapshotKey(*Engine) string {
	// Members resolving one by one change nothing a record shows: only new
	// members and root changes are updates.
	return inc.rootFingerprint + "|" + strconv.Itoa(len(inc.members)) + "|" + inc.silentRoot
}

// pageHold names the page hold that keeps inc's page back past
// group_wait ("" none), each for what would make the page one too many,
// at most CauseWait past group_wait (awaitsRepage: at most Flap.Hold);
// the first that holds, in this order, by its function's name:
//   - awaitsCause: a cause the spans show outside the incident (await.go);
//   - awaitsRepage: re-page suspects showing they are no flap (repage.go);
//   - awaitsBurstDependency: a burst's lone callers' shared dependency
//     (burstpagehold.go);
//   - awaitsServiceIncident: the paged incident a burst-isolated later
//     alert's service already alerts in (burstsecondhold.go);
//   - awaitsQuietRead: spans that still read a burst-isolated alert's
//     service quiet (quietkept.go).
func (e *Engine) pageHold(inc *incident, now time.Time) string {
	switch {
	case e.awaitsCause(inc, now):
		return "awaitsCause"
	case e.awaitsRepage(inc, now):
		return "awaitsRepage"
	case e.awaitsBurstDependency(inc, now):
		return "awaitsBurstDependency"
	case e.awaitsServiceIncident(inc, now):
		return "awaitsServiceIncident"
	case e.awaitsQuietRead(inc, now):
		return "awaitsQuietRead"
	}
	return ""
}
