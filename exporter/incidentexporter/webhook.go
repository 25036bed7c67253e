package incidentexporter

import (
	"context"
	"time"
)

// webhook posts the incident as JSON: the fields of details plus summary,
// every record attribute and the resource.
type webhook struct {
	endpoint string
	poster   *poster
	summary  *renderer
}

func newWebhook(cfg *Config, p *poster, now func() time.Time) (*webhook, error) {
	summary, err := newRenderer("webhook.summary_template", cfg.Webhook.SummaryTemplate, defaultSummaryTemplate, now)
	if err != nil {
		return nil, err
	}
	return &webhook{endpoint: cfg.ClientConfig.Endpoint, poster: p, summary: summary}, nil
}

func (d *webhook) send(ctx context.Context, inc incident) error {
	body := map[string]any{
		"incident_id":      inc.ID,
		"state":            inc.State,
		"root_service":     inc.RootService,
		"root_alert":       inc.RootAlert,
		"services":         nonNil(inc.Services),
		"alert_count":      inc.AlertCount,
		"suppressed_count": inc.SuppressedCount,
		"first_seen":       rfc3339(inc.FirstSeen),
		"last_seen":        rfc3339(inc.LastSeen),
		"severity":         inc.Severity,
		"summary":          d.summary.render(inc, maxRendered),
		"attributes":       inc.Attributes,
		"resource":         inc.Resource,
	}
	if len(inc.Members) > 0 {
		body["member_alerts"] = inc.Members
	}
	return d.poster.post(ctx, d.endpoint, body)
}
