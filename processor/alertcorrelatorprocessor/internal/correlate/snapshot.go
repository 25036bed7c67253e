package correlate

import (
	"slices"
	"strings"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Event is one incident state change to emit.
type Event struct {
	State    string // alertconv.IncidentOpen / IncidentUpdated / IncidentResolved
	Incident Snapshot
}

// Snapshot is an incident as emitted.
type Snapshot struct {
	ID              string    `json:"id"`
	RootService     string    `json:"root_service"`
	RootAlert       string    `json:"root_alert"` // root alert's rule name
	RootFingerprint string    `json:"root_fingerprint"`
	RootSeverity    string    `json:"root_severity"`
	Services        []string  `json:"services"`
	Ranking         []string  `json:"ranking"`           // services, probable root first
	Members         []string  `json:"members,omitempty"` // fingerprints, in join order
	Firing          []string  `json:"firing,omitempty"`  // the members firing now
	AlertCount      int       `json:"alert_count"`
	SuppressedCount int       `json:"suppressed_count"`
	FirstSeen       time.Time `json:"first_seen"`
	LastSeen        time.Time `json:"last_seen"`
	GroupKey        string    `json:"group_key,omitempty"`
	// MergedInto is set on the resolved record of a paged incident whose
	// alerts moved into another incident (a shared root arrived later).
	MergedInto string `json:"merged_into,omitempty"`
	// Storm is set on an environment's storm incident: the alerts that
	// arrived while limits.max_incidents incidents were open.
	Storm bool `json:"storm,omitempty"`
	// SilentRoot is a direct dependency of the root's service that has no
	// alert, which the incident's alerts show as the probable root (a
	// database or an API with no alert rule of its own): first in
	// Ranking (the root alert and Symptoms stay the alerts'). Empty
	// otherwise.
	SilentRoot string `json:"silent_root,omitempty"`
	// Symptoms are the incident's services other than the root's.
	Symptoms []string `json:"symptoms,omitempty"`
	// Evidence is one readable line of what the traces say about the
	// root; ExemplarTraceID a trace where its errors originate. Empty
	// without trace evidence.
	Evidence        string `json:"evidence,omitempty"`
	ExemplarTraceID string `json:"exemplar_trace_id,omitempty"`
}

func (e *Engine) snapshot(inc *incident, now time.Time) Snapshot {
	s := Snapshot{
		ID: inc.id, FirstSeen: inc.firstSeen, LastSeen: maxTime(inc.lastSeen, now),
		Ranking:    slices.Clone(inc.ranking),
		AlertCount: len(inc.members), SuppressedCount: len(inc.members) - 1, GroupKey: inc.groupKey,
		Storm: inc.storm != "",
	}
	if e.cfg.SnapshotMembers {
		s.Members = slices.Clone(inc.members)
		for _, fp := range inc.members {
			if e.alerts[fp].firing {
				s.Firing = append(s.Firing, fp)
			}
		}
	}
	if st := e.alerts[inc.rootFingerprint]; st != nil {
		s.RootService, s.RootAlert, s.RootFingerprint, s.RootSeverity = st.Service, st.RuleName, st.Fingerprint, st.Severity
	}
	if d := e.shownSilentRoot(inc); d != "" {
		s.SilentRoot, s.Ranking = d, append([]string{d}, s.Ranking...)
	}
	for svc := range inc.services {
		s.Services = append(s.Services, svc)
		if svc != s.RootService {
			s.Symptoms = append(s.Symptoms, svc)
		}
	}
	slices.Sort(s.Services)
	slices.Sort(s.Symptoms)
	e.explain(&s, inc)
	if s.Evidence != "" {
		inc.why, inc.exemplar, inc.whyRoot = s.Evidence, s.ExemplarTraceID, explained(&s)
	} else if inc.why != "" && inc.whyRoot == explained(&s) {
		s.Evidence, s.ExemplarTraceID = inc.why, inc.exemplar
	}
	return s
}

// Flush is the shutdown flush, sorted by incident id: every paged incident's
// current state (updated), and each pending incident paged now rather than
// never (open), unless durable (its state is saved, and the restarted
// collector pages it at its time, grouped as it would have been) or none
// of its members reports firing any more (it waits only for held
// resolutions, which would close it unpaged).
func (e *Engine) Flush(now time.Time, durable bool) []Event {
	return e.flush(now, true, !durable)
}

// PagePending pages now, sorted by incident id, every pending incident
// with a member reported firing: the shutdown's fallback when the state
// that would have carried them over a restart could not be saved.
func (e *Engine) PagePending(now time.Time) []Event {
	return e.flush(now, false, true)
}

// flush emits the state of the paged incidents (if paged) and pages the
// pending ones with a member reported firing (if pending), the alerts
// still waiting for their spans (spanwait.go) placed first: they would
// otherwise be in no incident the flush pages.
func (e *Engine) flush(now time.Time, paged, pending bool) []Event {
	if pending {
		e.placeAwaited(now, true)
	}
	ids := make([]string, 0, len(e.incidents))
	for id := range e.incidents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []Event
	for _, id := range ids {
		inc := e.incidents[id]
		if inc.paged && !paged || !inc.paged && (!pending || !e.anyReportsFiring(inc)) {
			continue
		}
		e.rankForRecord(inc)
		state := alertconv.IncidentUpdated
		inc.emitted = inc.snapshotKey(e)
		if !inc.paged {
			state = alertconv.IncidentOpen
			inc.paged = true
			e.stats.Opened++
		}
		out = append(out, Event{State: state, Incident: e.snapshot(inc, now)})
	}
	return out
}

// Pending counts the open incidents that have not paged yet.
func (e *Engine) Pending() int {
	n := 0
	for _, inc := range e.incidents {
		if !inc.paged {
			n++
		}
	}
	return n
}

// anyReportsFiring reports whether a member of inc is reported firing (not
// resolved and held).
func (e *Engine) anyReportsFiring(inc *incident) bool {
	for _, fp := range inc.members {
		if st := e.alerts[fp]; st != nil && st.reported == alertconv.StateFiring {
			return true
		}
	}
	return false
}

// List returns every open incident, sorted by id (for the JSON endpoint).
func (e *Engine) List(now time.Time) []Snapshot {
	out := make([]Snapshot, 0, len(e.incidents))
	for _, inc := range e.incidents {
		out = append(out, e.snapshot(inc, now))
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Incident returns the snapshot of an open incident.
func (e *Engine) Incident(id string, now time.Time) (Snapshot, bool) {
	inc, ok := e.incidents[id]
	if !ok {
		return Snapshot{}, false
	}
	return e.snapshot(inc, now), true
}

// IncidentOf returns the id of the incident an alert currently belongs to.
func (e *Engine) IncidentOf(fingerprint string) string {
	if st, ok := e.alerts[fingerprint]; ok {
		return st.incident
	}
	return ""
}
