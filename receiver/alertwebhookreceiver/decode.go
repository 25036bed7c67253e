package alertwebhookreceiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"
)

// webhookMessage is the part of Alertmanager's webhook (version 4,
// notify/webhook Message) and Grafana's alerting webhook that Quell reads,
// decoded, validated and within limits. Unknown fields (notification_reason,
// routeLabels, Grafana's title, state, message, orgId, values) are accepted
// and ignored.
type webhookMessage struct {
	Version         string
	GroupKey        string
	TruncatedAlerts uint64
	Status          string
	Receiver        string
	Alerts          []webhookAlert
	// TruncatedValues counts annotation values cut to
	// limits.max_annotation_value_length.
	TruncatedValues int
}

type webhookAlert struct {
	Status       string
	Labels       map[string]string
	Annotations  map[string]string
	StartsAt     time.Time
	EndsAt       time.Time
	GeneratorURL string
	Fingerprint  string
}

// wireMessage and wireAlert are the JSON as sent. Alerts, labels and
// annotations stay raw until their index and key are known, so every error
// names its field: alerts[3].labels.severity, alerts[0].startsAt.
type wireMessage struct {
	Version         string             `json:"version"`
	GroupKey        string             `json:"groupKey"`
	TruncatedAlerts uint64             `json:"truncatedAlerts"`
	Status          string             `json:"status"`
	Receiver        string             `json:"receiver"`
	Alerts          *[]json.RawMessage `json:"alerts"`
}

type wireAlert struct {
	Status       string                     `json:"status"`
	Labels       map[string]json.RawMessage `json:"labels"`
	Annotations  map[string]json.RawMessage `json:"annotations"`
	StartsAt     string                     `json:"startsAt"`
	EndsAt       string                     `json:"endsAt"`
	GeneratorURL string                     `json:"generatorURL"`
	Fingerprint  string                     `json:"fingerprint"`
}

// errMalformed and errInvalid tell the handler which 400 to answer.
var (
	errMalformed = errors.New("malformed JSON")
	errInvalid   = errors.New("invalid payload")
)

// decodeMessage parses and validates a whole webhook before anything is
// ingested, so a bad alert anywhere rejects the request as a whole.
func decodeMessage(body []byte, source string, limits LimitsConfig) (*webhookMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var wire wireMessage
	if err := dec.Decode(&wire); err != nil {
		return nil, fmt.Errorf("%w: %s", errMalformed, describeJSONError("", err, body))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: unexpected data after the JSON object", errMalformed)
	}
	return wire.validate(source, limits)
}

// describeJSONError says what is wrong and where; path prefixes the field
// of a type error (alerts[2]).
func describeJSONError(path string, err error, body []byte) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%s at byte %d", syn.Error(), syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("%s: got JSON %s, want %s", joinPath(path, typ.Field), typ.Value, jsonKind(typ.Type))
	}
	if errors.Is(err, io.EOF) || len(bytes.TrimSpace(body)) == 0 {
		return "empty body"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "body ends before the JSON object does"
	}
	return err.Error()
}

func joinPath(path, field string) string {
	switch {
	case path == "":
		if field == "" {
			return "payload"
		}
		return field
	case field == "":
		return path
	}
	return path + "." + field
}

// jsonKind names a Go type as the JSON a sender should have sent.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "non-negative integer"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}
