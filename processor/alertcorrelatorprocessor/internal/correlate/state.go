package correlate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// State is the engine's durable state (alerts and open incidents), so a
// restart neither pages again nor orphans an open incident. Fields added
// since version 1 are optional: a state saved without them loads as one
// where they were empty.
type State struct {
	Version   int             `json:"version"`
	Alerts    []AlertRecord   `json:"alerts"`
	Incidents []IncidentState `json:"incidents"`
	// Origins and Rechecks are the alerts read again against the trace
	// evidence (attribute.go, recheck.go), oldest first.
	Origins  []QueuedAlert `json:"origins,omitempty"`
	Rechecks []QueuedAlert `json:"rechecks,omitempty"`
	// SpanWaits are new alerts waiting to be placed until their
	// service's spans catch up (spanwait.go), in the order they came.
	SpanWaits []QueuedAlert `json:"span_waits,omitempty"`
	// Onsets are the recent incident-opening onsets a burst is told by
	// (burst.go), oldest first.
	Onsets []OnsetRecord `json:"onsets,omitempty"`
	// RuleOnsets are the recent new alerts' onsets with their rules a
	// wave of one rule is told by (rulewave.go), oldest first.
	RuleOnsets []OnsetRecord `json:"rule_onsets,omitempty"`
}

// OnsetRecord is one recent onset on a service.
type OnsetRecord struct {
	At      time.Time `json:"at"`
	Service string    `json:"service"`
	// Rule is the alert's rule name (rule_onsets only).
	Rule string `json:"rule,omitempty"`
	// Fresh: no open incident held an alert of the service then
	// (rule_onsets only).
	Fresh bool `json:"fresh,omitempty"`
}

// QueuedAlert is an alert read again until a time.
type QueuedAlert struct {
	Fingerprint string    `json:"fingerprint"`
	Until       time.Time `json:"until"`
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
	// QuietRefused: its take-overs were refused while its service read
	// quiet (gate.go).
	QuietRefused bool `json:"quiet_refused,omitempty"`
	// FreshCause is the service it waits for, read at FreshOnset, its
	// onset then (freshcause.go).
	FreshCause string    `json:"fresh_cause,omitempty"`
	FreshOnset time.Time `json:"fresh_onset,omitzero"`
	// OwnSeen is when the traces had read its service as a cause of its
	// own for a whole evidence bucket while it waited as a possible origin
	// (ownseen.go).
	OwnSeen time.Time `json:"own_seen,omitzero"`
	// MovedLate: a late root took it from another fault's incident
	// (lateapart.go).
	MovedLate bool `json:"moved_late,omitempty"`
	// WaveKept: a wave of its rule kept it from its service's incident
	// (rulewave.go).
	WaveKept bool `json:"wave_kept,omitempty"`
	// AwaitingSpans: it waits to be placed (spanwait.go).
	AwaitingSpans bool `json:"awaiting_spans,omitempty"`
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
	// WaitsFor: the held incident this one waits to be taken over by
	// (heldcause.go).
	WaitsFor string `json:"waits_for,omitempty"`
	// WaitsInBurst: it began waiting in a burst. Read from snapshots
	// written before OpenedInBurst existed, which it implies; no longer
	// written (incident.waitsInBurst derives it).
	WaitsInBurst bool `json:"waits_in_burst,omitempty"`
	// OpenedInBurst: its first alert's onset fell in a burst
	// (burstcallers.go).
	OpenedInBurst bool `json:"opened_in_burst,omitempty"`
	// Storm is the environment of a storm incident (storm.go).
	Storm string `json:"storm,omitempty"`
	// Evidence and Exemplar are the last evidence line and exemplar trace
	// shown for EvidenceRoot, kept for records made without recent spans.
	Evidence     string `json:"evidence,omitempty"`
	Exemplar     string `json:"exemplar_trace_id,omitempty"`
	EvidenceRoot string `json:"evidence_root,omitempty"`
	// SilentRoot: a dependency with no alert its callers show as the
	// probable root (silentdep.go).
	SilentRoot string `json:"silent_root,omitempty"`
}

const stateVersion = 1

// Marshal returns the durable state as JSON.
func (e *Engine) Marshal() ([]byte, error) {
	s := State{Version: stateVersion, Origins: queued(e.origins), Rechecks: queued(e.rechecks), SpanWaits: queued(e.spanWaits)}
	for _, o := range e.onsets {
		s.Onsets = append(s.Onsets, OnsetRecord{At: o.at, Service: o.service})
	}
	for _, o := range e.ruleOnsets {
		s.RuleOnsets = append(s.RuleOnsets, OnsetRecord{At: o.at, Service: o.service, Rule: o.rule, Fresh: o.fresh})
	}
	for _, st := range e.alerts {
		s.Alerts = append(s.Alerts, alertRecord(st))
	}
	for _, inc := range e.incidents {
		s.Incidents = append(s.Incidents, IncidentState{
			ID: inc.id, Members: inc.members, Root: inc.rootFingerprint, Ranking: inc.ranking, Paged: inc.paged,
			FirstSeen: inc.firstSeen, LastSeen: inc.lastSeen, GroupKey: inc.groupKey, Emitted: inc.emitted, LastJoin: inc.lastJoin,
			HeldRoot: inc.heldRoot, WaitsFor: inc.waitsFor, OpenedInBurst: inc.openedInBurst, Storm: inc.storm, Evidence: inc.why, Exemplar: inc.exemplar, EvidenceRoot: inc.whyRoot,
			SilentRoot: inc.silentRoot,
		})
	}
	// The same state saves as the same bytes, whatever the maps' order.
	slices.SortFunc(s.Alerts, func(a, b AlertRecord) int { return strings.Compare(a.Alert.Fingerprint, b.Alert.Fingerprint) })
	slices.SortFunc(s.Incidents, func(a, b IncidentState) int { return strings.Compare(a.ID, b.ID) })
	return json.Marshal(s)
}

func alertRecord(st *alertState) AlertRecord {
	var fresh freshCause
	if st.fresh != nil {
		fresh = *st.fresh
	}
	return AlertRecord{
		Alert: st.Alert, Firing: st.firing, Reported: st.reported, LastChange: st.lastChange,
		Transitions: st.transitions, Flapping: st.flapping, Incident: st.incident,
		FirstSeen: st.firstSeen, LastSeen: st.lastSeen, Joined: st.joined, SoloClosed: st.soloClosed,
		QuietRefused: st.quietRefused, FreshCause: fresh.service, FreshOnset: fresh.onset,
		OwnSeen: st.ownSeen, MovedLate: st.movedLate, WaveKept: st.waveKept,
		AwaitingSpans: st.awaitingSpans,
	}
}

func restoredAlert(r AlertRecord) *alertState {
	var fresh *freshCause
	if r.FreshCause != "" {
		fresh = &freshCause{service: r.FreshCause, onset: r.FreshOnset}
	}
	return &alertState{
		Alert: r.Alert, firing: r.Firing, reported: r.Reported, lastChange: r.LastChange,
		transitions: r.Transitions, flapping: r.Flapping, incident: r.Incident,
		firstSeen: r.FirstSeen, lastSeen: r.LastSeen, joined: r.Joined, soloClosed: r.SoloClosed,
		quietRefused: r.QuietRefused, fresh: fresh, ownSeen: r.OwnSeen, movedLate: r.MovedLate,
		waveKept: r.WaveKept, awaitingSpans: r.AwaitingSpans,
	}
}

func queued(q []recheck) []QueuedAlert {
	out := make([]QueuedAlert, 0, len(q))
	for _, r := range q {
		out = append(out, QueuedAlert{Fingerprint: r.fp, Until: r.until})
	}
	return out
}

// requeued rebuilds a queue of alerts read again, keeping only those
// still tracked.
func (e *Engine) requeued(q []QueuedAlert) []recheck {
	var out []recheck
	for _, r := range q {
		if _, ok := e.alerts[r.Fingerprint]; ok && len(out) < maxRechecks {
			out = append(out, recheck{fp: r.Fingerprint, until: r.Until})
		}
	}
	return out
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
	clear(e.storms)
	for _, r := range s.Alerts {
		st := restoredAlert(r)
		e.alerts[st.Fingerprint] = st
		e.joinSeq = max(e.joinSeq, r.Joined)
		if st.firing && st.reported != alertconv.StateFiring {
			e.held[st.Fingerprint] = st
		}
	}
	e.origins, e.rechecks = e.requeued(s.Origins), e.requeued(s.Rechecks)
	e.spanWaits = e.requeued(s.SpanWaits)
	e.onsets = e.onsets[:0]
	for _, o := range s.Onsets[max(0, len(s.Onsets)-maxBurstOnsets):] {
		e.onsets = append(e.onsets, onset{at: o.At, service: o.Service})
	}
	e.ruleOnsets = e.ruleOnsets[:0]
	for _, o := range s.RuleOnsets[max(0, len(s.RuleOnsets)-maxRuleOnsets):] {
		e.ruleOnsets = append(e.ruleOnsets, ruleOnset{at: o.At, service: o.Service, rule: o.Rule, fresh: o.Fresh})
	}
	for _, is := range s.Incidents {
		e.restoreIncident(is)
	}
	return nil
}

// restoreIncident rebuilds a saved incident over the restored alerts (an
// incident none of whose members is tracked any more is dropped).
func (e *Engine) restoreIncident(is IncidentState) {
	inc := &incident{
		id: is.ID, rootFingerprint: is.Root, ranking: is.Ranking, paged: is.Paged,
		firstSeen: is.FirstSeen, lastSeen: is.LastSeen, groupKey: is.GroupKey, services: map[string][]string{}, emitted: is.Emitted, lastJoin: is.LastJoin,
		heldRoot: is.HeldRoot, waitsFor: is.WaitsFor, openedInBurst: is.OpenedInBurst || is.WaitsInBurst, storm: is.Storm, why: is.Evidence, exemplar: is.Exemplar, whyRoot: is.EvidenceRoot,
		silentRoot: is.SilentRoot,
	}
	e.incidents[inc.id] = inc
	if inc.storm != "" {
		e.storms[inc.storm] = inc.id
	}
	for _, fp := range is.Members {
		if st := e.alerts[fp]; st != nil {
			e.attach(inc, st)
		}
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
