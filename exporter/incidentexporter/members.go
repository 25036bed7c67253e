package incidentexporter

import (
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
)

const (
	// maxMembersPerIncident bounds the member alerts reported per incident;
	// the first ones seen are kept.
	maxMembersPerIncident = 100
)

// member is one alert of an incident, as destinations report it.
type member struct {
	Fingerprint string `json:"fingerprint"`
	Rule        string `json:"rule,omitempty"`
	Service     string `json:"service,omitempty"`
	State       string `json:"state,omitempty"`
	Severity    string `json:"severity,omitempty"`
	Suppressed  bool   `json:"suppressed"`
}

// memberBook collects the member alerts alert_correlator passes on marked
// with their incident.id, so incident notifications can list them
// (PagerDuty custom_details, the webhook body, templates as .Members).
// Bounded: maxTrackedIncidents incidents (oldest forgotten first), and
// maxMembersPerIncident members each; an incident is forgotten once its
// resolve is delivered.
type memberBook struct {
	mu   sync.Mutex
	by   map[string][]member
	fifo []string
}

func newMemberBook() *memberBook { return &memberBook{by: make(map[string][]member)} }

// parseMember reads a raw alert marked with its incident (incident.id, no
// incident.state).
func parseMember(res pcommon.Resource, lr plog.LogRecord) (string, member, bool) {
	attrs := lr.Attributes()
	str := func(k string) string {
		if v, ok := attrs.Get(k); ok {
			return v.AsString()
		}
		return ""
	}
	id, fp := str(alertconv.AttrIncidentID), str(alertconv.AttrFingerprint)
	if id == "" || fp == "" || str(alertconv.AttrIncidentState) != "" {
		return "", member{}, false
	}
	m := member{Fingerprint: fp, Rule: str(alertconv.AttrRuleName), State: str(alertconv.AttrState), Severity: str(alertconv.AttrSeverity)}
	if v, ok := res.Attributes().Get(alertconv.ResourceServiceName); ok {
		m.Service = v.AsString()
	}
	if v, ok := attrs.Get(alertconv.AttrSuppressed); ok && v.Type() == pcommon.ValueTypeBool {
		m.Suppressed = v.Bool()
	}
	return id, m, true
}

// add records or updates (by fingerprint) a member of incident id.
func (b *memberBook) add(id string, m member) {
	b.mu.Lock()
	defer b.mu.Unlock()
	list, known := b.by[id]
	for i := range list {
		if list[i].Fingerprint == m.Fingerprint {
			list[i] = m
			return
		}
	}
	if !known {
		if len(b.fifo) >= maxTrackedIncidents {
			delete(b.by, b.fifo[0])
			b.fifo = b.fifo[1:]
		}
		b.fifo = append(b.fifo, id)
	}
	if len(list) < maxMembersPerIncident {
		b.by[id] = append(list, m)
	}
}

func (b *memberBook) get(id string) []member {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]member(nil), b.by[id]...)
}

func (b *memberBook) forget(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.by[id]; !ok {
		return
	}
	delete(b.by, id)
	for i, v := range b.fifo {
		if v == id {
			b.fifo = append(b.fifo[:i], b.fifo[i+1:]...)
			break
		}
	}
}
