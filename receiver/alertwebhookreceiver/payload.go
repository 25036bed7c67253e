package alertwebhookreceiver

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadata"
)

// conversion is the result of turning one webhook into log records.
type conversion struct {
	logs    plog.Logs
	ignored int
}

type resourceKey struct{ service, namespace, environment string }

// toLogs turns every alert into one log record, grouping records by the
// resource their labels map to, in the order the alerts came.
func (r *alertReceiver) toLogs(msg *webhookMessage, source string, now time.Time) conversion {
	out := conversion{logs: plog.NewLogs()}
	scopes := make(map[resourceKey]plog.ScopeLogs)
	for _, a := range msg.Alerts {
		if r.ignored(a.Labels) {
			out.ignored++
			continue
		}
		key := resourceKey{
			service:     firstLabel(a.Labels, r.cfg.ResourceLabels.ServiceName),
			namespace:   firstLabel(a.Labels, r.cfg.ResourceLabels.ServiceNamespace),
			environment: firstLabel(a.Labels, r.cfg.ResourceLabels.Environment),
		}
		sl, ok := scopes[key]
		if !ok {
			rl := out.logs.ResourceLogs().AppendEmpty()
			putNonEmpty(rl.Resource().Attributes(), alertconv.ResourceServiceName, key.service)
			putNonEmpty(rl.Resource().Attributes(), alertconv.ResourceServiceNamespace, key.namespace)
			putNonEmpty(rl.Resource().Attributes(), alertconv.ResourceEnvironment, key.environment)
			sl = rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(metadata.ScopeName)
			scopes[key] = sl
		}
		r.fillRecord(sl.LogRecords().AppendEmpty(), &a, source, now)
	}
	return out
}

func (r *alertReceiver) ignored(labels map[string]string) bool {
	for _, l := range r.cfg.IgnoreLabels {
		if _, ok := labels[l]; ok {
			return true
		}
	}
	return false
}

func (r *alertReceiver) fillRecord(lr plog.LogRecord, a *webhookAlert, source string, now time.Time) {
	attrs := lr.Attributes()
	attrs.EnsureCapacity(8 + len(a.Labels) + len(a.Annotations))
	putNonEmpty(attrs, alertconv.AttrRuleName, a.Labels["alertname"])
	fingerprint := a.Fingerprint
	if fingerprint == "" {
		fingerprint = alertconv.Fingerprint(a.Labels)
	}
	attrs.PutStr(alertconv.AttrFingerprint, fingerprint)
	attrs.PutStr(alertconv.AttrState, a.Status)
	severity := ""
	if r.cfg.SeverityLabel != "" {
		severity = a.Labels[r.cfg.SeverityLabel]
	}
	putNonEmpty(attrs, alertconv.AttrSeverity, severity)
	if isSet(a.StartsAt) {
		attrs.PutStr(alertconv.AttrStartsAt, a.StartsAt.UTC().Format(time.RFC3339Nano))
	}
	// A firing alert's endsAt is when it expires unless re-sent, or zero;
	// only status says whether it has ended.
	if isSet(a.EndsAt) {
		attrs.PutStr(alertconv.AttrEndsAt, a.EndsAt.UTC().Format(time.RFC3339Nano))
	}
	attrs.PutStr(alertconv.AttrSource, source)
	putNonEmpty(attrs, alertconv.AttrGeneratorURL, a.GeneratorURL)
	for k, v := range a.Labels {
		attrs.PutStr(alertconv.AttrLabelPrefix+k, v)
	}
	for k, v := range a.Annotations {
		attrs.PutStr(alertconv.AttrAnnotationPrefix+k, v)
	}

	ts := a.StartsAt
	if a.Status == alertconv.StateResolved {
		ts = a.EndsAt
	}
	if !isSet(ts) {
		ts = now
	}
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	if severity != "" {
		lr.SetSeverityText(severity)
		lr.SetSeverityNumber(severityNumber(severity))
	}
	lr.Body().SetStr(body(a))
}

// body is the alert's human summary: the usual annotations, else its name.
func body(a *webhookAlert) string {
	for _, k := range []string{"summary", "description", "message"} {
		if v := a.Annotations[k]; v != "" {
			return v
		}
	}
	return a.Labels["alertname"]
}

// severityNumber maps the severity words of common alerting rules onto
// OpenTelemetry's scale; unknown words stay unspecified (the text is kept).
func severityNumber(s string) plog.SeverityNumber {
	switch strings.ToLower(s) {
	case "critical", "fatal", "emergency", "page", "p1":
		return plog.SeverityNumberFatal
	case "error", "high", "major", "p2":
		return plog.SeverityNumberError
	case "warning", "warn", "medium", "minor", "p3":
		return plog.SeverityNumberWarn
	case "info", "informational", "low", "notice", "p4", "p5":
		return plog.SeverityNumberInfo
	case "debug":
		return plog.SeverityNumberDebug
	}
	return plog.SeverityNumberUnspecified
}

func firstLabel(labels map[string]string, names []string) string {
	for _, n := range names {
		if v := labels[n]; v != "" {
			return v
		}
	}
	return ""
}

func putNonEmpty(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}

// isSet reports whether t is a real time: Alertmanager and Grafana send
// 0001-01-01T00:00:00Z for "none".
func isSet(t time.Time) bool { return !t.IsZero() && t.Year() > 1 }
