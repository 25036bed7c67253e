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
	body := coreFields(inc)
	body["severity"] = inc.Severity
	body["summary"] = d.summary.render(inc, maxRendered)
	body["attributes"] = inc.Attributes
	body["resource"] = inc.Resource
	if len(inc.Members) > 0 {
		body["member_alerts"] = inc.Members
	}
	return d.poster.post(ctx, d.endpoint, body)
}
