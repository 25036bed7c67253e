package alertconv

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Severity is an alert's severity level: the one table both the
// alert_webhook receiver (the alert record's severity number) and the
// alert_correlator (root ranking, the incident record's severity number)
// read a severity word through. The word itself travels as sent
// (alert.severity); this is what it means.
type Severity int

// Severity levels, least severe first; SeverityUnknown is a word the table
// does not know (or none).
const (
	SeverityUnknown Severity = iota
	SeverityDebug
	SeverityInfo
	SeverityWarning
	SeverityError
	SeverityCritical
)

// severityWords are the severity words of common alerting rules (Prometheus
// and Grafana rules, PagerDuty-style priorities), lower case.
var severityWords = map[string]Severity{
	"critical": SeverityCritical, "fatal": SeverityCritical, "emergency": SeverityCritical, "page": SeverityCritical, "p1": SeverityCritical,
	"error": SeverityError, "high": SeverityError, "major": SeverityError, "p2": SeverityError,
	"warning": SeverityWarning, "warn": SeverityWarning, "medium": SeverityWarning, "minor": SeverityWarning, "p3": SeverityWarning,
	"info": SeverityInfo, "informational": SeverityInfo, "low": SeverityInfo, "notice": SeverityInfo, "p4": SeverityInfo, "p5": SeverityInfo,
	"debug": SeverityDebug,
}

// ParseSeverity returns the level of a severity word, case-insensitively.
func ParseSeverity(word string) Severity {
	if s, ok := severityWords[word]; ok {
		return s
	}
	return severityWords[strings.ToLower(word)]
}

// String is the level's canonical word ("" for SeverityUnknown): the
// word the alert_correlator's default severity_order lists.
func (s Severity) String() string {
	switch s {
	case SeverityCritical:
		return "critical"
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "info"
	case SeverityDebug:
		return "debug"
	}
	return ""
}

// Number is the level on OpenTelemetry's log severity scale (unspecified
// for SeverityUnknown: the record keeps the word as its severity text).
func (s Severity) Number() plog.SeverityNumber {
	switch s {
	case SeverityCritical:
		return plog.SeverityNumberFatal
	case SeverityError:
		return plog.SeverityNumberError
	case SeverityWarning:
		return plog.SeverityNumberWarn
	case SeverityInfo:
		return plog.SeverityNumberInfo
	case SeverityDebug:
		return plog.SeverityNumberDebug
	}
	return plog.SeverityNumberUnspecified
}

// setSeverity sets a record's severity text and number from a word; an
// empty word leaves both unset.
func setSeverity(lr plog.LogRecord, word string) {
	if word == "" {
		return
	}
	lr.SetSeverityText(word)
	if n := ParseSeverity(word).Number(); n != plog.SeverityNumberUnspecified {
		lr.SetSeverityNumber(n)
	}
}
