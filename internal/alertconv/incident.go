package alertconv

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Incident is one state change of an incident in the convention. The
// alert_correlator writes it (WriteResource, Write); the incident exporter
// reads it (ReadIncident).
type Incident struct {
	ID    string
	State string // IncidentOpen, IncidentUpdated or IncidentResolved
	// RootService, RootAlert (rule name), RootFingerprint and RootSeverity
	// (the word as sent) are the probable root alert's.
	RootService, RootAlert, RootFingerprint, RootSeverity string
	// Services are every service with an alert in the incident, sorted;
	// Symptoms the same without the root's.
	Services, Symptoms          []string
	AlertCount, SuppressedCount int64
	FirstSeen, LastSeen         time.Time
	// MergedInto is the surviving incident's id, on the resolved record of
	// an incident merged into another.
	MergedInto string
	// Storm is true on a storm incident (alerts beyond limits.max_incidents).
	Storm bool
	// SilentRoot is a dependency with no alert of its own that the
	// incident's alerts show as the probable root; empty otherwise.
	SilentRoot string
	// Evidence is one readable line of trace evidence for the root, and
	// ExemplarTraceID (hex) a trace where its errors originate.
	Evidence, ExemplarTraceID string
	// Summary is the record's body, for people.
	Summary string
}

// WriteResource sets the resource attributes of in's record: the root
// service.
func (in *Incident) WriteResource(res pcommon.Map) {
	putNonEmpty(res, ResourceServiceName, in.RootService)
}

// Write fills lr as in's incident record, emitted at now.
func (in *Incident) Write(lr plog.LogRecord, now time.Time) {
	ts := pcommon.NewTimestampFromTime(now)
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(ts)
	setSeverity(lr, in.RootSeverity)
	lr.Body().SetStr(in.Summary)
	a := lr.Attributes()
	a.PutStr(AttrIncidentID, in.ID)
	a.PutStr(AttrIncidentState, in.State)
	a.PutStr(AttrIncidentRootService, in.RootService)
	a.PutStr(AttrIncidentRootAlert, in.RootAlert)
	putSlice(a, AttrIncidentServices, in.Services, true)
	a.PutInt(AttrIncidentAlertCount, in.AlertCount)
	a.PutInt(AttrIncidentSuppressed, in.SuppressedCount)
	a.PutStr(AttrIncidentFirstSeen, in.FirstSeen.UTC().Format(time.RFC3339Nano))
	a.PutStr(AttrIncidentLastSeen, in.LastSeen.UTC().Format(time.RFC3339Nano))
	putNonEmpty(a, AttrIncidentMergedInto, in.MergedInto)
	putSlice(a, AttrIncidentSymptoms, in.Symptoms, false)
	if in.Storm {
		a.PutBool(AttrIncidentStorm, true)
	}
	putNonEmpty(a, AttrIncidentSilentRoot, in.SilentRoot)
	putNonEmpty(a, AttrIncidentEvidence, in.Evidence)
	putNonEmpty(a, AttrIncidentExemplarTraceID, in.ExemplarTraceID)
	a.PutStr(AttrFingerprint, in.RootFingerprint)
	a.PutStr(AttrRuleName, in.RootAlert)
	putNonEmpty(a, AttrSeverity, in.RootSeverity)
}

// ReadIncident reads the incident state change in lr, a record of resource
// res. ok is false unless the record carries incident.id and
// incident.state (an alert the correlator passed on carries only the id).
// It reads what other writers may send too: the root service from the
// resource and the root alert from alert.rule.name when the incident
// attributes lack them, services as a comma-separated string, counts as
// doubles.
func ReadIncident(res pcommon.Map, lr plog.LogRecord) (in Incident, ok bool) {
	attrs := lr.Attributes()
	in.ID, in.State = readStr(attrs, AttrIncidentID), readStr(attrs, AttrIncidentState)
	if in.ID == "" || in.State == "" {
		return Incident{}, false
	}
	in.RootService = readStr(attrs, AttrIncidentRootService)
	if in.RootService == "" {
		in.RootService = readStr(res, ResourceServiceName)
	}
	in.RootAlert = readStr(attrs, AttrIncidentRootAlert)
	if in.RootAlert == "" {
		in.RootAlert = readStr(attrs, AttrRuleName)
	}
	in.RootFingerprint = readStr(attrs, AttrFingerprint)
	in.RootSeverity = readStr(attrs, AttrSeverity)
	in.Services = readSlice(attrs, AttrIncidentServices)
	in.Symptoms = readSlice(attrs, AttrIncidentSymptoms)
	in.AlertCount = readInt(attrs, AttrIncidentAlertCount)
	in.SuppressedCount = readInt(attrs, AttrIncidentSuppressed)
	in.FirstSeen = readTime(attrs, AttrIncidentFirstSeen).UTC()
	in.LastSeen = readTime(attrs, AttrIncidentLastSeen).UTC()
	in.MergedInto = readStr(attrs, AttrIncidentMergedInto)
	if v, found := attrs.Get(AttrIncidentStorm); found && v.Type() == pcommon.ValueTypeBool {
		in.Storm = v.Bool()
	}
	in.SilentRoot = readStr(attrs, AttrIncidentSilentRoot)
	in.Evidence = readStr(attrs, AttrIncidentEvidence)
	in.ExemplarTraceID = readStr(attrs, AttrIncidentExemplarTraceID)
	in.Summary = lr.Body().AsString()
	return in, true
}

// putSlice writes a string slice attribute; empty slices only if always.
func putSlice(m pcommon.Map, k string, vs []string, always bool) {
	if len(vs) == 0 && !always {
		return
	}
	s := m.PutEmptySlice(k)
	s.EnsureCapacity(len(vs))
	for _, v := range vs {
		s.AppendEmpty().SetStr(v)
	}
}

// readSlice reads a string slice attribute, or a comma-separated string.
func readSlice(m pcommon.Map, k string) []string {
	v, ok := m.Get(k)
	if !ok {
		return nil
	}
	if v.Type() != pcommon.ValueTypeSlice {
		if s := v.AsString(); s != "" {
			return strings.Split(s, ",")
		}
		return nil
	}
	out := make([]string, 0, v.Slice().Len())
	for _, e := range v.Slice().All() {
		out = append(out, e.AsString())
	}
	return out
}

// readInt reads an int attribute (or a double, truncated); 0 otherwise.
func readInt(m pcommon.Map, k string) int64 {
	v, ok := m.Get(k)
	if !ok {
		return 0
	}
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int()
	case pcommon.ValueTypeDouble:
		return int64(v.Double())
	}
	return 0
}
