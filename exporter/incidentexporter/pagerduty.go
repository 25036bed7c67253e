package incidentexporter

import (
	"context"
	"strings"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// defaultPagerDutyEndpoint is the Events API v2.
const defaultPagerDutyEndpoint = "https://events.pagerduty.com/v2/enqueue"

// pagerDuty sends Events API v2 events: trigger on open and update (same
// dedup_key, so PagerDuty appends to the open incident), resolve on resolve.
type pagerDuty struct {
	cfg      PagerDutyConfig
	endpoint string
	poster   *poster
	summary  *renderer
}

type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Client      string     `json:"client,omitempty"`
	ClientURL   string     `json:"client_url,omitempty"`
	Payload     *pdPayload `json:"payload,omitempty"`
	Links       []pdLink   `json:"links,omitempty"`
}

type pdPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

type pdLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

func newPagerDuty(cfg *Config, p *poster, now func() time.Time) (*pagerDuty, error) {
	summary, err := newRenderer("pagerduty.summary_template", cfg.PagerDuty.SummaryTemplate, defaultSummaryTemplate, now)
	if err != nil {
		return nil, err
	}
	endpoint := cfg.ClientConfig.Endpoint
	if endpoint == "" {
		endpoint = defaultPagerDutyEndpoint
	}
	return &pagerDuty{cfg: cfg.PagerDuty, endpoint: endpoint, poster: p, summary: summary}, nil
}

func (d *pagerDuty) send(ctx context.Context, inc incident) error {
	return d.poster.post(ctx, d.endpoint, d.event(inc))
}

func (d *pagerDuty) event(inc incident) pdEvent {
	ev := pdEvent{
		RoutingKey: string(d.cfg.RoutingKey),
		DedupKey:   inc.ID,
	}
	if inc.resolved() {
		ev.EventAction = "resolve"
		return ev
	}
	ev.EventAction = "trigger"
	ev.Client = d.cfg.Client
	if ev.Client == "" {
		ev.Client = "Quell"
	}
	ev.ClientURL = d.cfg.ClientURL
	source := d.cfg.Source
	if source == "" {
		source = inc.RootService
	}
	if source == "" {
		source = "quell"
	}
	ev.Payload = &pdPayload{
		Summary:       d.summary.render(inc, 1024),
		Source:        source,
		Severity:      pdSeverity(inc.Severity, d.cfg.DefaultSeverity),
		Timestamp:     rfc3339(inc.LastSeen),
		Component:     inc.RootService,
		Group:         inc.Namespace,
		Class:         inc.RootAlert,
		CustomDetails: details(inc),
	}
	if inc.GeneratorURL != "" {
		ev.Links = append(ev.Links, pdLink{Href: inc.GeneratorURL, Text: "Alert rule"})
	}
	for _, k := range []string{"runbook_url", "dashboard_url"} {
		if u := inc.Annotations[k]; u != "" {
			ev.Links = append(ev.Links, pdLink{Href: u, Text: strings.TrimSuffix(k, "_url")})
		}
	}
	return ev
}

// pdSeverity maps a severity word onto PagerDuty's four through the one
// severity table (alertconv.ParseSeverity); other words, and debug, get
// def.
func pdSeverity(s, def string) string {
	switch l := alertconv.ParseSeverity(s); l {
	case alertconv.SeverityCritical, alertconv.SeverityError, alertconv.SeverityWarning, alertconv.SeverityInfo:
		return l.String()
	}
	if def == "" {
		return "error"
	}
	return def
}
