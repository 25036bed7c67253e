package incidentexporter

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
)

// incident is one state change of an incident, read from a log record.
type incident struct {
	// Plain is set for an alert record that is not an incident record.
	Plain           bool
	ID              string
	State           string // open, updated or resolved
	RootService     string
	RootAlert       string
	Services        []string
	AlertCount      int64
	SuppressedCount int64
	FirstSeen       time.Time
	LastSeen        time.Time
	Severity        string
	// Summary is the record's body (the root alert's summary for records
	// from alert_webhook).
	Summary      string
	Labels       map[string]string // alert.label.* (the root alert's labels)
	Annotations  map[string]string // alert.annotation.*
	GeneratorURL string
	// Members are the incident's alerts alert_correlator passed on
	// (pass_alerts: true), as far as this exporter has seen them.
	Members []member
	// Attributes and Resource are every attribute of the record and of its
	// resource, for destinations that pass them on.
	Attributes map[string]any
	Resource   map[string]any
	// ChangedAt is when this state change happened: the record's
	// timestamp, else its observed timestamp, else LastSeen.
	ChangedAt time.Time
	// Namespace and Environment come from the resource.
	Namespace   string
	Environment string
}

// parseIncident reads an incident record (incident.id and incident.state).
// A plain alert record (alert.* without incident.*) becomes an incident of
// one alert keyed by its fingerprint, so alert_webhook can feed the exporter
// directly. Anything else, including raw alerts marked only with their
// incident.id, is not an incident state change (ok false).
func parseIncident(res pcommon.Resource, lr plog.LogRecord) (incident, bool) {
	inc := describeIncident(res, lr)
	if !inc.readIdentity(res, lr) {
		return incident{}, false
	}
	if len(inc.Services) == 0 && inc.RootService != "" {
		inc.Services = []string{inc.RootService}
	}
	inc.readTimes(lr)
	return inc, true
}

// attrStr is the attribute k of attrs as a string ("" when absent).
func attrStr(attrs pcommon.Map, k string) string {
	if v, ok := attrs.Get(k); ok {
		return v.AsString()
	}
	return ""
}

// describeIncident reads what every record carries whatever its kind:
// severity, summary, labels, annotations, the raw attributes and the
// resource's namespace and environment.
func describeIncident(res pcommon.Resource, lr plog.LogRecord) incident {
	attrs := lr.Attributes()
	inc := incident{
		Severity:     attrStr(attrs, alertconv.AttrSeverity),
		Summary:      lr.Body().AsString(),
		GeneratorURL: attrStr(attrs, alertconv.AttrGeneratorURL),
		Labels:       map[string]string{},
		Annotations:  map[string]string{},
		Attributes:   attrs.AsRaw(),
		Resource:     res.Attributes().AsRaw(),
		Namespace:    attrStr(res.Attributes(), alertconv.ResourceServiceNamespace),
		Environment:  attrStr(res.Attributes(), alertconv.ResourceEnvironment),
	}
	for k, v := range attrs.All() {
		switch {
		case strings.HasPrefix(k, alertconv.AttrLabelPrefix):
			inc.Labels[strings.TrimPrefix(k, alertconv.AttrLabelPrefix)] = v.AsString()
		case strings.HasPrefix(k, alertconv.AttrAnnotationPrefix):
			inc.Annotations[strings.TrimPrefix(k, alertconv.AttrAnnotationPrefix)] = v.AsString()
		}
	}
	return inc
}

// readIdentity reads which incident lr is and its state: an incident
// record's incident.* attributes, or a plain alert's fingerprint. False:
// neither (or a member alert marked only with its incident.id).
func (inc *incident) readIdentity(res pcommon.Resource, lr plog.LogRecord) bool {
	attrs := lr.Attributes()
	if attrStr(attrs, alertconv.AttrIncidentID) != "" {
		// A member alert that alert_correlator passed on marked with its
		// incident (no incident.state) is not a state change of the
		// incident: paging on it would re-trigger the incident for every
		// member.
		in, ok := alertconv.ReadIncident(res.Attributes(), lr)
		if !ok {
			return false
		}
		inc.ID, inc.State = in.ID, in.State
		inc.RootService, inc.RootAlert, inc.Services = in.RootService, in.RootAlert, in.Services
		inc.AlertCount, inc.SuppressedCount = in.AlertCount, in.SuppressedCount
		inc.FirstSeen, inc.LastSeen = in.FirstSeen, in.LastSeen
		return true
	}
	fp := attrStr(attrs, alertconv.AttrFingerprint)
	if fp == "" {
		return false
	}
	inc.Plain = true
	inc.ID = fp
	inc.State = alertconv.IncidentOpen
	if attrStr(attrs, alertconv.AttrState) == alertconv.StateResolved {
		inc.State = alertconv.IncidentResolved
	}
	inc.RootService = attrStr(res.Attributes(), alertconv.ResourceServiceName)
	inc.RootAlert = attrStr(attrs, alertconv.AttrRuleName)
	inc.AlertCount = 1
	inc.FirstSeen = timeAttr(attrStr(attrs, alertconv.AttrStartsAt))
	inc.LastSeen = timeAttr(attrStr(attrs, alertconv.AttrEndsAt))
	return true
}

// readTimes sets ChangedAt (the record's timestamp, else its observed
// timestamp, else LastSeen) and fills a missing LastSeen from it (else
// FirstSeen).
func (inc *incident) readTimes(lr plog.LogRecord) {
	switch {
	case lr.Timestamp() != 0:
		inc.ChangedAt = lr.Timestamp().AsTime().UTC()
	case lr.ObservedTimestamp() != 0:
		inc.ChangedAt = lr.ObservedTimestamp().AsTime().UTC()
	}
	if inc.LastSeen.IsZero() {
		inc.LastSeen = inc.ChangedAt
		if inc.LastSeen.IsZero() {
			inc.LastSeen = inc.FirstSeen
		}
	}
	if inc.ChangedAt.IsZero() {
		inc.ChangedAt = inc.LastSeen
	}
}

func timeAttr(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// resolved reports whether this state change ends the incident.
func (inc *incident) resolved() bool { return inc.State == alertconv.IncidentResolved }
