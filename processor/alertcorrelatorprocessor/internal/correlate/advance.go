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
	e.recheckSymptoms(now)
	events := e.merged
	e.merged = nil
	// Held resolutions that are now stable.
	for fp, st := range e.held {
		if !st.firing || st.reported != alertconv.StateResolved {
			delete(e.held, fp)
			continue
		}
		hold := e.cfg.ResolveHold
		if st.flapping {
			hold = max(hold, e.cfg.Flap.Hold)
		}
		if now.Sub(st.lastChange) < hold {
			continue
		}
		st.firing = false
		st.flapping = false
		delete(e.held, fp)
		if inc := e.incidents[st.incident]; inc != nil {
			inc.dirty = true
			inc.firing--
		}
	}
	// Forget resolved alerts outside open incidents once their flap history
	// is old (a sweep at most once a second).
	if now.Sub(e.lastGC) >= time.Second {
		e.lastGC = now
		for fp, st := range e.alerts {
			if st.firing || e.incidents[st.incident] != nil {
				continue
			}
			if now.Sub(st.lastChange) > max(e.cfg.Flap.Window, e.cfg.ResolveHold) {
				delete(e.alerts, fp)
			}
		}
	}
	ids := make([]string, 0, len(e.incidents))
	for id, inc := range e.incidents {
		if inc.dirty || !inc.paged {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		inc := e.incidents[id]
		if inc.firing <= 0 {
			if inc.paged {
				e.rank(inc)
				events = append(events, Event{State: alertconv.IncidentResolved, Incident: e.snapshot(inc, now)})
				e.stats.Resolved++
			} else {
				e.stats.DroppedUnpaged++
			}
			e.close(inc)
			continue
		}
		if !inc.paged {
			if inc.dirty {
				e.rank(inc)
				inc.dirty = false
			}
			if now.Sub(inc.firstSeen) < e.groupWait(inc) {
				continue
			}
			e.rank(inc)
			inc.paged, inc.dirty = true, false
			inc.emitted = inc.snapshotKey(e)
			events = append(events, Event{State: alertconv.IncidentOpen, Incident: e.snapshot(inc, now)})
			e.stats.Opened++
			continue
		}
		if inc.dirty {
			e.rank(inc)
			inc.dirty = false
			if key := inc.snapshotKey(e); key != inc.emitted {
				inc.emitted = key
				events = append(events, Event{State: alertconv.IncidentUpdated, Incident: e.snapshot(inc, now)})
				e.stats.Updated++
			}
		}
	}
	return events
}

// groupWait is how long a pending incident waits before its page: GroupWait
// when its probable root is of the most severe level, LowGroupWait (when
// longer) otherwise, since a less severe root is more often the first
// symptom of a cause still to come.
func (e *Engine) groupWait(inc *incident) time.Duration {
	if e.cfg.LowGroupWait <= e.cfg.GroupWait {
		return e.cfg.GroupWait
	}
	if st := e.alerts[inc.root]; st != nil && e.sevRank[st.Severity] == len(e.cfg.Severities) {
		return e.cfg.GroupWait
	}
	return e.cfg.LowGroupWait
}

// snapshotKey summarizes what an update reports, so unchanged incidents do
// not emit.
func (inc *incident) snapshotKey(*Engine) string {
	// Members resolving one by one change nothing a record shows: only new
	// members and root changes are updates.
	return inc.root + "|" + strconv.Itoa(len(inc.members))
}
