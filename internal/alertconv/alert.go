package alertconv

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Alert is one alert notification in the convention. The alert_webhook
// receiver writes it (WriteResource, Write); the alert_correlator reads it
// (ReadAlert). Other senders write the same attributes.
type Alert struct {
	// Fingerprint is the alert's identity; empty: the Alertmanager
	// fingerprint of Labels.
	Fingerprint string
	RuleName    string
	State       string // StateFiring or StateResolved
	// Severity is the severity word as sent (ParseSeverity tells its level).
	Severity string
	// StartsAt and EndsAt: zero when unknown.
	StartsAt, EndsAt time.Time
	Labels           map[string]string
	Annotations      map[string]string
	Source           string // SourceAlertmanager, SourceGrafana or SourceOTLP
	GeneratorURL     string
	// Summary is the record's body, for people.
	Summary string
	// Service, Namespace and Environment are the record's resource.
	Service, Namespace, Environment string
}

// ErrAlertState is returned by ReadAlert for an alert whose alert.state is
// neither StateFiring nor StateResolved.
var ErrAlertState = errors.New("alert.state: must be " + StateFiring + " or " + StateResolved)

// WriteResource sets the resource attributes of a's record.
func (a *Alert) WriteResource(res pcommon.Map) {
	putNonEmpty(res, ResourceServiceName, a.Service)
	putNonEmpty(res, ResourceServiceNamespace, a.Namespace)
	putNonEmpty(res, ResourceEnvironment, a.Environment)
}

// Write fills lr as a's alert record, observed at now: the attributes, the
// timestamp (the onset, or the end once resolved, else now), the severity
// text and number, and the body.
func (a *Alert) Write(lr plog.LogRecord, now time.Time) {
	attrs := lr.Attributes()
	attrs.EnsureCapacity(8 + len(a.Labels) + len(a.Annotations))
	putNonEmpty(attrs, AttrRuleName, a.RuleName)
	fingerprint := a.Fingerprint
	if fingerprint == "" {
		fingerprint = Fingerprint(a.Labels)
	}
	attrs.PutStr(AttrFingerprint, fingerprint)
	attrs.PutStr(AttrState, a.State)
	putNonEmpty(attrs, AttrSeverity, a.Severity)
	putTime(attrs, AttrStartsAt, a.StartsAt)
	putTime(attrs, AttrEndsAt, a.EndsAt)
	putNonEmpty(attrs, AttrSource, a.Source)
	putNonEmpty(attrs, AttrGeneratorURL, a.GeneratorURL)
	for k, v := range a.Labels {
		attrs.PutStr(AttrLabelPrefix+k, v)
	}
	for k, v := range a.Annotations {
		attrs.PutStr(AttrAnnotationPrefix+k, v)
	}
	ts := a.StartsAt
	if a.State == StateResolved {
		ts = a.EndsAt
	}
	if ts.IsZero() {
		ts = now
	}
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	setSeverity(lr, a.Severity)
	lr.Body().SetStr(a.Summary)
}

// ReadAlert reads the alert in lr, a record of resource res. ok is false
// for a record that is not an alert (neither alert.fingerprint nor
// alert.rule.name). Missing parts are filled the way the convention says:
// the rule name is the alertname label (and the label the rule name), the
// fingerprint the labels', the state firing, the service the serviceLabel
// label when the resource names none (serviceLabel "": none), the severity
// the severity label. The error is ErrAlertState for an unknown state.
func ReadAlert(res pcommon.Map, lr plog.LogRecord, serviceLabel string) (a Alert, ok bool, err error) {
	attrs := lr.Attributes()
	fp, hasFP := attrs.Get(AttrFingerprint)
	rule, hasRule := attrs.Get(AttrRuleName)
	if !hasFP && !hasRule {
		return a, false, nil
	}
	a.Labels = map[string]string{}
	readPrefixed(attrs, &a)
	if hasRule {
		a.RuleName = rule.Str()
		if _, set := a.Labels["alertname"]; !set {
			a.Labels["alertname"] = a.RuleName
		}
	} else {
		a.RuleName = a.Labels["alertname"]
	}
	if hasFP && fp.Str() != "" {
		a.Fingerprint = fp.Str()
	} else {
		a.Fingerprint = Fingerprint(a.Labels)
	}
	readResource(res, &a)
	if a.Service == "" && serviceLabel != "" {
		a.Service = a.Labels[serviceLabel]
	}
	a.Severity = a.Labels["severity"]
	if sev, found := attrs.Get(AttrSeverity); found {
		a.Severity = sev.Str()
	}
	a.State = StateFiring
	if st, found := attrs.Get(AttrState); found {
		a.State = st.Str()
	}
	a.StartsAt, a.EndsAt = readTime(attrs, AttrStartsAt), readTime(attrs, AttrEndsAt)
	a.Source, a.GeneratorURL = readStr(attrs, AttrSource), readStr(attrs, AttrGeneratorURL)
	a.Summary = lr.Body().AsString()
	if a.State != StateFiring && a.State != StateResolved {
		return a, true, fmt.Errorf("%w, got %q", ErrAlertState, a.State)
	}
	return a, true, nil
}

// readPrefixed reads the alert.label.* and alert.annotation.* attributes
// (Annotations stays nil without any).
func readPrefixed(attrs pcommon.Map, a *Alert) {
	for k, v := range attrs.All() {
		if name, found := strings.CutPrefix(k, AttrLabelPrefix); found {
			a.Labels[name] = v.AsString()
		} else if name, found := strings.CutPrefix(k, AttrAnnotationPrefix); found {
			if a.Annotations == nil {
				a.Annotations = map[string]string{}
			}
			a.Annotations[name] = v.AsString()
		}
	}
}

func readResource(res pcommon.Map, a *Alert) {
	a.Service = readStr(res, ResourceServiceName)
	a.Namespace = readStr(res, ResourceServiceNamespace)
	a.Environment = readStr(res, ResourceEnvironment)
}

func putNonEmpty(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}

// putTime writes t as RFC 3339 (UTC, nanoseconds) unless it is zero.
func putTime(m pcommon.Map, k string, t time.Time) {
	if !t.IsZero() {
		m.PutStr(k, t.UTC().Format(time.RFC3339Nano))
	}
}

func readStr(m pcommon.Map, k string) string {
	if v, ok := m.Get(k); ok {
		return v.AsString()
	}
	return ""
}

// readTime reads an RFC 3339 attribute; zero when absent, unreadable or
// Alertmanager's "none" (year 1).
func readTime(m pcommon.Map, k string) time.Time {
	v, ok := m.Get(k)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v.Str())
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}
