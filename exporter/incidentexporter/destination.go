package incidentexporter

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// destination delivers one incident state change.
type destination interface {
	send(ctx context.Context, inc incident) error
}

// newDestination builds the configured destination; it rejects unknown ones
// (Validate has already, this is the one place that maps names to types).
func newDestination(cfg *Config, p *poster, now func() time.Time) (destination, error) {
	switch cfg.Destination {
	case destPagerDuty:
		return newPagerDuty(cfg, p, now)
	case destAlertmanager:
		return newAlertmanager(cfg, p, now)
	case destSlack:
		return newSlack(cfg, p, now)
	case destWebhook:
		return newWebhook(cfg, p, now)
	}
	return nil, fmt.Errorf("destination: unknown %q", cfg.Destination)
}

// rfc3339 formats a time for JSON payloads; zero stays empty.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// coreFields are the convention's incident fields, as JSON, the part every
// destination's payload shares.
func coreFields(inc incident) map[string]any {
	return map[string]any{
		"incident_id":      inc.ID,
		"state":            inc.State,
		"root_service":     inc.RootService,
		"root_alert":       inc.RootAlert,
		"services":         nonNil(inc.Services),
		"alert_count":      inc.AlertCount,
		"suppressed_count": inc.SuppressedCount,
		"first_seen":       rfc3339(inc.FirstSeen),
		"last_seen":        rfc3339(inc.LastSeen),
	}
}

// details are the incident fields every destination reports, as JSON.
func details(inc incident) map[string]any {
	d := coreFields(inc)
	if inc.Severity != "" {
		d["severity"] = inc.Severity
	}
	if len(inc.Labels) > 0 {
		d["labels"] = inc.Labels
	}
	if len(inc.Annotations) > 0 {
		d["annotations"] = inc.Annotations
	}
	if len(inc.Members) > 0 {
		d["member_alerts"] = inc.Members
	}
	// Everything else the record carries (member alerts, correlation
	// reasons) rides along under its own name.
	for k, v := range inc.Attributes {
		if strings.HasPrefix(k, alertconv.AttrLabelPrefix) || strings.HasPrefix(k, alertconv.AttrAnnotationPrefix) {
			continue
		}
		if _, known := knownAttributes[k]; known {
			continue
		}
		d[k] = v
	}
	return d
}

// knownAttributes are reported by details under their own keys already.
var knownAttributes = map[string]struct{}{
	alertconv.AttrIncidentID: {}, alertconv.AttrIncidentState: {}, alertconv.AttrIncidentRootService: {},
	alertconv.AttrIncidentRootAlert: {}, alertconv.AttrIncidentServices: {}, alertconv.AttrIncidentAlertCount: {},
	alertconv.AttrIncidentSuppressed: {}, alertconv.AttrIncidentFirstSeen: {}, alertconv.AttrIncidentLastSeen: {},
	alertconv.AttrSeverity: {},
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
