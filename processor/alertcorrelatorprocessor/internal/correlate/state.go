package correlate

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// State is the engine's durable state (alerts and open incidents), so a
// restart neither pages again nor orphans an open incident.
type State struct {
	Version   int             `json:"version"`
	Alerts    []AlertRecord   `json:"alerts"`
	Incidents []IncidentState `json:"incidents"`
}

// AlertRecord is one tracked alert.
type AlertRecord struct {
	Alert       Alert       `json:"alert"`
	Firing      bool        `json:"firing"`
	Reported    string      `json:"reported"`
	LastChange  time.Time   `json:"last_change"`
	Transitions []time.Time `json:"transitions,omitempty"`
	Flapping    bool        `json:"flapping,omitempty"`
	Incident    string      `json:"incident,omitempty"`
	FirstSeen   time.Time   `json:"first_seen"`
	LastSeen    time.Time   `json:"last_seen"`
	Joined      int         `json:"joined"`
	SoloClosed  time.Time   `json:"solo_closed,omitzero"`
}

// IncidentState is one open incident.
type IncidentState struct {
	ID        string    `json:"id"`
	Members   []string  `json:"members"`
	Root      string    `json:"root"`
	Ranking   []string  `json:"ranking"`
	Paged     bool      `json:"paged"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	GroupKey  string    `json:"group_key,omitempty"`
	Emitted   string    `json:"emitted,omitempty"`
	LastJoin  time.Time `json:"last_join"`
	// HeldRoot: the alert whose refused take-overs wait for its callers
	// (specific.go).
	HeldRoot string `json:"held_root,omitempty"`
}

const stateVersion = 1

// Marshal returns the durable state as JSON.
func (e *Engine) Marshal() ([]byte, error) {
	s := State{Version: stateVersion}
	for _, st := range e.alerts {
		s.Alerts = append(s.Alerts, AlertRecord{
			Alert: st.Alert, Firing: st.firing, Reported: st.reported, LastChange: st.lastChange,
			Transitions: st.transitions, Flapping: st.flapping, Incident: st.incident,
			FirstSeen: st.firstSeen, LastSeen: st.lastSeen, Joined: st.joined, SoloClosed: st.soloClosed,
		})
	}
	for _, inc := range e.incidents {
		s.Incidents = append(s.Incidents, IncidentState{
			ID: inc.id, Members: inc.members, Root: inc.rootFingerprint, Ranking: inc.ranking, Paged: inc.paged,
			FirstSeen: inc.firstSeen, LastSeen: inc.lastSeen, GroupKey: inc.groupKey, Emitted: inc.emitted, LastJoin: inc.lastJoin,
			HeldRoot: inc.heldRoot,
		})
	}
	return json.Marshal(s)
}

// Unmarshal replaces the engine's state with a saved one.
func (e *Engine) Unmarshal(b []byte) error {
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("alert correlator state: %w", err)
	}
	if s.Version != stateVersion {
		return fmt.Errorf("alert correlator state: version %d, want %d", s.Version, stateVersion)
	}
	clear(e.alerts)
	clear(e.incidents)
	clear(e.byService)
	clear(e.byGroup)
	clear(e.held)
	for _, r := range s.Alerts {
		st := &alertState{
			Alert: r.Alert, firing: r.Firing, reported: r.Reported, lastChange: r.LastChange,
			transitions: r.Transitions, flapping: r.Flapping, incident: r.Incident,
			firstSeen: r.FirstSeen, lastSeen: r.LastSeen, joined: r.Joined, soloClosed: r.SoloClosed,
		}
		e.alerts[st.Fingerprint] = st
		e.joinSeq = max(e.joinSeq, r.Joined)
		if st.firing && st.reported != alertconv.StateFiring {
			e.held[st.Fingerprint] = st
		}
	}
	for _, is := range s.Incidents {
		inc := &incident{
			id: is.ID, rootFingerprint: is.Root, ranking: is.Ranking, paged: is.Paged,
			firstSeen: is.FirstSeen, lastSeen: is.LastSeen, groupKey: is.GroupKey, services: map[string]int{}, emitted: is.Emitted, lastJoin: is.LastJoin,
			heldRoot: is.HeldRoot,
		}
		e.incidents[inc.id] = inc
		for _, fp := range is.Members {
			st := e.alerts[fp]
			if st == nil {
				continue
			}
			e.attach(inc, st)
		}
		// Keep the saved ranking: the graph may not be learned again yet.
		inc.rankDirty = len(inc.ranking) == 0
		if inc.groupKey != "" {
			e.byGroup[inc.groupKey] = inc.id
		}
		if len(inc.members) == 0 {
			e.drop(inc)
		}
	}
	return nil
}
