package alertwebhookreceiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quell-otel/quell/internal/alertconv"
)

const (
	// maxReportedErrors bounds a 400's text: a hostile payload with 10,000
	// bad alerts gets the first errors and a count, not 10,000 lines.
	maxReportedErrors = 10
	// maxQuoted bounds how much of a bad key or value an error repeats.
	maxQuoted = 64
	// truncationMarker ends an annotation value cut to
	// limits.max_annotation_value_length.
	truncationMarker = "…[truncated]"
)

// errorList collects field errors up to maxReportedErrors and counts the rest.
type errorList struct {
	errs      []error
	more      int
	malformed bool // a value of the wrong JSON type: reason malformed_json
}

func (l *errorList) add(err error) {
	if len(l.errs) < maxReportedErrors {
		l.errs = append(l.errs, err)
		return
	}
	l.more++
}

func (l *errorList) addMalformed(err error) {
	l.malformed = true
	l.add(err)
}

// err is nil or the joined errors, wrapped in errMalformed when a value had
// the wrong JSON type, else in errInvalid.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	if l.more > 0 {
		l.errs = append(l.errs, fmt.Errorf("and %d more errors", l.more))
	}
	kind := errInvalid
	if l.malformed {
		kind = errMalformed
	}
	return fmt.Errorf("%w: %w", kind, errors.Join(l.errs...))
}

// validate checks the message and decodes its alerts; its errors wrap
// errMalformed or errInvalid.
func (w *wireMessage) validate(source string, limits LimitsConfig) (*webhookMessage, error) {
	if source == alertconv.SourceAlertmanager && w.Version != "4" {
		return nil, fmt.Errorf("%w: version: got %s, want \"4\" (Alertmanager webhook payload version 4)", errInvalid, quote(w.Version))
	}
	if w.Alerts == nil {
		if source == alertconv.SourceGrafana {
			return nil, fmt.Errorf("%w: alerts: missing (legacy Grafana alerting webhooks are not supported; use Grafana alerting's webhook contact point)", errInvalid)
		}
		return nil, fmt.Errorf("%w: alerts: missing", errInvalid)
	}
	if limits.MaxAlerts > 0 && len(*w.Alerts) > limits.MaxAlerts {
		return nil, fmt.Errorf("%w: alerts: %d alerts, more than limits.max_alerts (%d); lower the sender's max_alerts", errInvalid, len(*w.Alerts), limits.MaxAlerts)
	}
	msg := &webhookMessage{
		Version: w.Version, GroupKey: w.GroupKey, TruncatedAlerts: w.TruncatedAlerts,
		Status: w.Status, Receiver: w.Receiver, Alerts: make([]webhookAlert, 0, len(*w.Alerts)),
	}
	var errs errorList
	for i, raw := range *w.Alerts {
		a, truncated := decodeAlert(fmt.Sprintf("alerts[%d]", i), raw, limits, &errs)
		msg.Alerts = append(msg.Alerts, a)
		msg.TruncatedValues += truncated
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return msg, nil
}

// decodeAlert decodes and checks one alert, adding every problem to errs
// under its field's path; it returns how many annotation values it cut.
func decodeAlert(path string, raw json.RawMessage, limits LimitsConfig, errs *errorList) (webhookAlert, int) {
	var w wireAlert
	if err := json.Unmarshal(raw, &w); err != nil {
		errs.addMalformed(errors.New(describeJSONError(path, err, raw)))
		return webhookAlert{}, 0
	}
	a := webhookAlert{Status: w.Status, GeneratorURL: w.GeneratorURL, Fingerprint: w.Fingerprint}
	if a.Status != alertconv.StateFiring && a.Status != alertconv.StateResolved {
		errs.add(fmt.Errorf("%s.status: got %s, want %q or %q", path, quote(a.Status), alertconv.StateFiring, alertconv.StateResolved))
	}
	a.StartsAt = parseTime(path+".startsAt", w.StartsAt, errs)
	a.EndsAt = parseTime(path+".endsAt", w.EndsAt, errs)
	a.Labels = decodeStrings(path+".labels", w.Labels, limits.MaxLabels, limits.MaxKeyLength, errs)
	if len(w.Labels) == 0 {
		errs.add(fmt.Errorf("%s.labels: missing (labels are an alert's identity)", path))
	}
	for _, k := range sortedKeys(a.Labels) {
		if v := a.Labels[k]; limits.MaxLabelValueLength > 0 && len(v) > limits.MaxLabelValueLength {
			errs.add(fmt.Errorf("%s: value of %d bytes, longer than limits.max_label_value_length (%d)",
				fieldPath(path+".labels", k), len(v), limits.MaxLabelValueLength))
		}
	}
	a.Annotations = decodeStrings(path+".annotations", w.Annotations, limits.MaxAnnotations, limits.MaxKeyLength, errs)
	truncated := 0
	for k, v := range a.Annotations {
		if limits.MaxAnnotationValueLength > 0 && len(v) > limits.MaxAnnotationValueLength {
			a.Annotations[k] = cut(v, limits.MaxAnnotationValueLength)
			truncated++
		}
	}
	return a, truncated
}

// decodeStrings decodes a label or annotation map whose values must be
// strings, within the count and key length limits (zero: none).
func decodeStrings(path string, raw map[string]json.RawMessage, maxCount, maxKey int, errs *errorList) map[string]string {
	if maxCount > 0 && len(raw) > maxCount {
		errs.add(fmt.Errorf("%s: %d entries, more than limits.max_%s (%d)", path, len(raw), path[strings.LastIndexByte(path, '.')+1:], maxCount))
		return nil
	}
	out := make(map[string]string, len(raw))
	for _, k := range sortedKeys(raw) {
		if maxKey > 0 && len(k) > maxKey {
			errs.add(fmt.Errorf("%s: name of %d bytes, longer than limits.max_key_length (%d)", fieldPath(path, k), len(k), maxKey))
			continue
		}
		var v string
		if string(raw[k]) == "null" { // json.Unmarshal would take it as ""
			errs.addMalformed(fmt.Errorf("%s: got JSON null, want string", fieldPath(path, k)))
			continue
		}
		if err := json.Unmarshal(raw[k], &v); err != nil {
			errs.addMalformed(errors.New(describeJSONError(fieldPath(path, k), err, raw[k])))
			continue
		}
		out[k] = v
	}
	return out
}

// parseTime parses an RFC 3339 timestamp; empty is "none" (zero).
func parseTime(path, s string, errs *errorList) time.Time {
	if s == "" {
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalText([]byte(s)); err != nil {
		errs.add(fmt.Errorf("%s: %s is not an RFC 3339 time (like 2026-11-22T01:00:00Z)", path, quote(s)))
		return time.Time{}
	}
	return t
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// fieldPath names a map entry: labels.severity, or labels["odd key"] for
// keys that are not identifiers (quoted and cut to maxQuoted bytes).
func fieldPath(path, key string) string {
	if len(key) <= maxQuoted && plainKey.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + quote(key) + "]"
}

// quote is %q of s cut to maxQuoted bytes, so errors stay short.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…", cutRunes(s, maxQuoted))
}

// cut shortens s to at most n bytes, the marker included, on a rune boundary.
func cut(s string, n int) string {
	if n <= len(truncationMarker) {
		return cutRunes(s, n)
	}
	return cutRunes(s, n-len(truncationMarker)) + truncationMarker
}

func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
