package alertwebhookreceiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadata"
)

// webhookMessage is the part of Alertmanager's webhook (version 4,
// notify/webhook Message) and Grafana's alerting webhook that Quell reads.
// Unknown fields (notification_reason, routeLabels, Grafana's title, state,
// message, orgId) are accepted and ignored.
type webhookMessage struct {
	Version         string          `json:"version"`
	GroupKey        string          `json:"groupKey"`
	TruncatedAlerts uint64          `json:"truncatedAlerts"`
	Status          string          `json:"status"`
	Receiver        string          `json:"receiver"`
	Alerts          *[]webhookAlert `json:"alerts"`
}

type webhookAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// errMalformed and errInvalid tell the handler which 400 to answer.
var (
	errMalformed = errors.New("malformed JSON")
	errInvalid   = errors.New("invalid payload")
)

// decodeMessage parses and validates a whole webhook before anything is
// ingested, so a bad alert anywhere rejects the request as a whole.
func decodeMessage(body []byte, source string) (*webhookMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var msg webhookMessage
	if err := dec.Decode(&msg); err != nil {
		return nil, fmt.Errorf("%w: %s", errMalformed, describeJSONError(err, body))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: unexpected data after the JSON object", errMalformed)
	}
	if err := msg.validate(source); err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalid, err)
	}
	return &msg, nil
}

func describeJSONError(err error, body []byte) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%s at byte %d", syn.Error(), syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("field %s: got JSON %s, want %s", typ.Field, typ.Value, typ.Type)
	}
	if errors.Is(err, io.EOF) || len(bytes.TrimSpace(body)) == 0 {
		return "empty body"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "body ends before the JSON object does"
	}
	return err.Error()
}

func (m *webhookMessage) validate(source string) error {
	if source == alertconv.SourceAlertmanager && m.Version != "4" {
		return fmt.Errorf("version: got %q, want \"4\" (Alertmanager webhook payload version 4)", m.Version)
	}
	if m.Alerts == nil {
		if source == alertconv.SourceGrafana {
			return errors.New("alerts: missing (legacy Grafana alerting webhooks are not supported; use Grafana alerting's webhook contact point)")
		}
		return errors.New("alerts: missing")
	}
	var errs error
	for i, a := range *m.Alerts {
		if a.Status != alertconv.StateFiring && a.Status != alertconv.StateResolved {
			errs = errors.Join(errs, fmt.Errorf("alerts[%d].status: got %q, want %q or %q", i, a.Status, alertconv.StateFiring, alertconv.StateResolved))
		}
		if len(a.Labels) == 0 {
			errs = errors.Join(errs, fmt.Errorf("alerts[%d].labels: missing (labels are an alert's identity)", i))
		}
	}
	return errs
}

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
	for _, a := range *msg.Alerts {
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
