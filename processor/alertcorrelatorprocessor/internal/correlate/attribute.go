package correlate

import "time"

// Trace-attributed joining. Onset windows guess which alerts share a
// cause; the spans show it. When an alerting service r is a cause of its
// own (evidence.Unexplained) and failing calls lead from another alerting
// service s down to r (evidence.Link), s's errors are r's: s belongs with
// r's incident whatever the gap between their onsets, unless s is a cause
// of its own too, or the incident s is in is explained by an origin of its
// own (its root is a cause of its own: two concurrent faults, s between
// them, stay where the graph put s).
//
// The traces often show r as an origin only some seconds after r's alert
// opens, so every new alert is read again on each Advance for one evidence
// window (the queue below), not only at its onset: an alerting r whose
// callers opened an incident first (a retry storm) takes them over once
// its spans say so, and fragments of one fault heal. An origin that shares
// an incident with another origin its failures do not lead to leaves it
// first (two concurrent faults merged by the graph split). From an
// incident explained by an origin of its own, an origin takes only later
// episodes (laterEpisodes): a second alert on a service already in that
// incident, opened after the origin's alert or up to burst_window before
// it (pacedepisode.go), as a gateway's in front of two faults.

// noteOrigin queues st, a new firing alert, to be read again as a
// possible origin of other alerts' errors.
func (e *Engine) noteOrigin(st *alertState, now time.Time) {
	if !e.spansPresent() || st.flapping || e.isLocal(st.RuleName) || !e.graph.HasNode(st.Service) {
		return
	}
	// At most maxRechecks wait, the oldest dropped first.
	e.origins = e.enqueue(e.origins, st, now)
}

// attributeToOrigins reads the queued alerts again: each whose service the
// traces now show as a cause of its own gathers the alerts whose errors
// its spans explain.
func (e *Engine) attributeToOrigins(now time.Time) {
	// The evidence moves by buckets of seconds: once a second is enough
	// however often Advance runs (after every batch of alerts too).
	if len(e.origins) == 0 || now.Sub(e.lastAttributed) < time.Second {
		return
	}
	e.lastAttributed = now
	keep := e.origins[:0]
	for _, r := range e.origins {
		st := e.alerts[r.fp]
		if now.After(r.until) || st == nil || !st.firing || st.flapping {
			continue
		}
		keep = append(keep, r)
		if inc := e.incidents[st.incident]; inc != nil && inc.storm == "" {
			e.retryQuietTakeOver(inc, st, now)
		}
		inc := e.incidents[st.incident]
		own := inc != nil && inc.storm == "" && e.ownCause(st.Service)
		e.holdOwn(st, own, now)
		if !own {
			continue
		}
		if root := e.rootService(inc); root != st.Service && e.ownCause(root) && !e.failuresTravel(st.Service, root) {
			// Two independent origins in one incident: st leaves it, with
			// the alerts that joined it through st (followcause.go), and
			// gathers below what its spans explain.
			e.moveWithSymptoms(st, now)
			e.stats.EvidenceDetached++
			inc = e.incidents[st.incident]
		}
		e.gather(inc, st, now)
	}
	clear(e.origins[len(keep):])
	e.origins = keep
}

// gather moves into dst the alerts of other live incidents (or of
// incidents past the window holding a late root's callers, gatherable in
// lategather.go) whose errors the traces attribute to origin (see the
// comment at the top). An
// incident all of whose alerts move is merged whole, unless its root is
// an origin of its own.
func (e *Engine) gather(dst *incident, ost *alertState, now time.Time) {
	origin := ost.Service
	for _, c := range e.graph.CallerList(origin, e.cfg.MaxHops) {
		for src := range e.incidentsOn(c.Service) {
			if src == dst || src.storm != "" || !e.gatherable(src, c.Service, ost, now) {
				continue
			}
			// A root waiting for this origin is not explained by its own
			// errors (freshagain.go).
			explained := !e.rootWaitsFor(src, origin) && (e.ownCause(e.rootService(src)) || e.olderOrigin(src, ost))
			var moved []*alertState
			if explained {
				moved = e.laterEpisodes(src, ost)
			} else {
				moved = e.attributed(src, ost, now)
			}
			if len(moved) == 0 {
				continue
			}
			if len(moved) == len(src.members) && !explained {
				dst = e.mergeInto(dst, src, now)
				continue
			}
			e.detach(src, moved...)
			for _, st := range moved {
				e.join(dst, st, now)
			}
			e.stats.EvidenceMoved += uint64(len(moved))
		}
	}
}

// attributed lists src's firing alerts whose errors the traces attribute
// to origin: failing calls lead from their service to origin, their
// service is no cause of its own (nor too new to tell, newcause.go), and
// they opened within the onset window before origin's alert, or earlier
// as a late root's callers (attributableOnset, lategather.go).
func (e *Engine) attributed(src *incident, ost *alertState, now time.Time) []*alertState {
	origin := ost.Service
	live := e.live(src, now)
	var out []*alertState
	for _, fp := range src.members {
		st := e.alerts[fp]
		if st == nil || st.Service == origin || st.flapping || e.isLocal(st.RuleName) {
			continue
		}
		if !e.attributableOnset(src, ost, st, live) {
			continue
		}
		// An alert waiting for this origin is taken though its service
		// is a cause of its own (freshagain.go).
		if e.ownCause(st.Service) && !waitsFor(st, origin) || !e.failuresTravel(st.Service, origin) || heldForFreshCause(st, origin) || e.tooNewToTell(st, now) {
			continue
		}
		if e.failsTowardAnother(st, origin) {
			// A caller of two independent origins (twoorigins.go).
			continue
		}
		out = append(out, st)
	}
	return out
}

// mergeAll merges each of others into inc while both still stand (an
// earlier merge of the loop may have retired either) and returns the
// surviving incident.
func (e *Engine) mergeAll(inc *incident, others []*incident, now time.Time) *incident {
	for _, o := range others {
		if o != inc && e.incidents[o.id] == o && e.incidents[inc.id] == inc {
			inc = e.mergeInto(inc, o, now)
		}
	}
	return inc
}

// alertedWithBurst reports whether inc is live and its alert on svc began
// within the burst window of at (callers of one failing service cross
// one rule at one evaluation).
func (e *Engine) alertedWithBurst(inc *incident, svc string, at, now time.Time) bool {
	t, ok := inc.causes[svc]
	return ok && e.live(inc, now) && t.Sub(at).Abs() <= e.cfg.Burst.Window
}

// mergeInto unites two incidents whole and returns the survivor: the
// earliest paged one, so its page stays the page (a paged incident merged
// away is resolved with MergedInto set).
func (e *Engine) mergeInto(a, b *incident, now time.Time) *incident {
	survivor, other := a, b
	if b.paged && (!a.paged || b.firstSeen.Before(a.firstSeen)) {
		survivor, other = b, a
	}
	e.retire(other, survivor, now)
	e.stats.EvidenceMoved += uint64(len(other.members))
	e.merge(survivor, other)
	survivor.rankDirty = true
	return survivor
}

// laterEpisodes lists src's alerts, src being explained by an origin of
// its own, that origin ost may take: a second alert on a service src
// already had an alert on (a gateway, a hub in front of two faults),
// opened after ost's alert or up to burst_window before it
// (laterEpisode), whose failing calls lead to ost's service. Its
// service's first alert stays with src's origin; the new one started
// with the new origin.
func (e *Engine) laterEpisodes(src *incident, ost *alertState) []*alertState {
	var out []*alertState
	for _, fp := range src.members {
		st := e.alerts[fp]
		if st == nil || st.Service == ost.Service || st.flapping || e.isLocal(st.RuleName) {
			continue
		}
		if t, ok := src.causes[st.Service]; !ok || !e.laterEpisode(t, st.StartsAt, ost.StartsAt) {
			continue
		}
		if e.ownCause(st.Service) || !e.failuresTravel(st.Service, ost.Service) || heldForFreshCause(st, ost.Service) {
			continue
		}
		out = append(out, st)
	}
	return out
}
