package incidentexporter

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Destinations.
const (
	destPagerDuty    = "pagerduty"
	destAlertmanager = "alertmanager"
	destSlack        = "slack"
	destWebhook      = "webhook"
)

// plain_alerts values.
const (
	plainAlertsSend = "send"
	plainAlertsSkip = "skip"
)

// Config is the incident exporter's configuration. One instance has one
// destination; list several instances (incident/pagerduty, incident/slack)
// to fan out, each with its own queue and retries.
type Config struct {
	// Destination is pagerduty, alertmanager, slack or webhook. Required.
	Destination string `mapstructure:"destination"`

	// ClientConfig is the HTTP client: endpoint, tls, headers (secret
	// values), proxy_url, auth, timeout. Its keys sit at the top level.
	// endpoint: for pagerduty empty means the Events API v2
	// (https://events.pagerduty.com/v2/enqueue); for alertmanager it is the
	// base URL (http://alertmanager:9093; /api/v2/alerts is added) and
	// required; for webhook it is the full URL and required; for slack it
	// must be empty (the URL is the secret slack.webhook_url).
	// timeout bounds each export attempt and each HTTP request; zero means
	// none (the default is 10s).
	ClientConfig confighttp.ClientConfig `mapstructure:",squash"`

	// RetryConfig retries 5xx, 429 and network errors with backoff,
	// honoring Retry-After. Other 4xx are permanent and not retried.
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// QueueConfig is the sending queue: one consumer by default so the
	// state changes of an incident stay in order; storage names a storage
	// extension (file_storage) to keep queued incidents across restarts.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`

	// PagerDuty configures destination pagerduty.
	PagerDuty PagerDutyConfig `mapstructure:"pagerduty"`
	// Alertmanager configures destination alertmanager.
	Alertmanager AlertmanagerConfig `mapstructure:"alertmanager"`
	// Slack configures destination slack.
	Slack SlackConfig `mapstructure:"slack"`
	// Webhook configures destination webhook.
	Webhook WebhookConfig `mapstructure:"webhook"`

	// PlainAlerts is what to do with alert records that are not incident
	// records (alert.fingerprint, no incident.id): send them as incidents
	// of one alert, or skip (and count) them. Empty means send.
	PlainAlerts string `mapstructure:"plain_alerts"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// PagerDutyConfig is the PagerDuty Events API v2 destination.
type PagerDutyConfig struct {
	// RoutingKey is the integration (routing) key. Secret; required.
	RoutingKey configopaque.String `mapstructure:"routing_key"`
	// SummaryTemplate renders payload.summary (text/template over the
	// incident, truncated to 1024 characters). Empty means the default.
	SummaryTemplate string `mapstructure:"summary_template"`
	// Source is payload.source. Empty means the root service, else "quell".
	Source string `mapstructure:"source"`
	// Client and ClientURL name the sender in PagerDuty's UI. Empty client
	// means "Quell"; empty client_url is left out.
	Client    string `mapstructure:"client"`
	ClientURL string `mapstructure:"client_url"`
	// DefaultSeverity is used when the incident's alert.severity is not one
	// of PagerDuty's (after mapping page/high/warn and the like). One of
	// critical, error, warning, info; empty means error.
	DefaultSeverity string `mapstructure:"default_severity"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// AlertmanagerConfig is the Alertmanager API v2 destination.
type AlertmanagerConfig struct {
	// ResendInterval re-posts every open incident this often so Alertmanager
	// does not resolve it by itself; keep it below Alertmanager's
	// resolve_timeout (5m by default). Zero disables re-sending.
	ResendInterval time.Duration `mapstructure:"resend_interval"`
	// MaxOpenIncidents bounds the open incidents remembered for re-sending;
	// beyond it new incidents are sent once and counted
	// (exporter_incident_alertmanager_untracked). Zero means 10000.
	MaxOpenIncidents int `mapstructure:"max_open_incidents"`
	// SummaryTemplate renders the summary annotation. Empty means the default.
	SummaryTemplate string `mapstructure:"summary_template"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// SlackConfig is the Slack incoming webhook destination.
type SlackConfig struct {
	// WebhookURL is the incoming webhook URL. Secret (the URL is the
	// credential); required.
	WebhookURL configopaque.String `mapstructure:"webhook_url"`
	// MessageTemplate renders the message text (Slack mrkdwn; incident
	// fields are escaped). Empty means the default.
	MessageTemplate string `mapstructure:"message_template"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// WebhookConfig is the generic JSON webhook destination.
type WebhookConfig struct {
	// SummaryTemplate renders the "summary" field. Empty means the default.
	SummaryTemplate string `mapstructure:"summary_template"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the destination and its settings; templates are parsed
// here so a bad one fails at startup, not at the first page.
func (cfg *Config) Validate() error {
	var errs error
	endpoint := cfg.ClientConfig.Endpoint
	switch cfg.Destination {
	case destPagerDuty:
		if cfg.PagerDuty.RoutingKey == "" {
			errs = errors.Join(errs, errors.New("pagerduty.routing_key: required for destination pagerduty"))
		}
		switch cfg.PagerDuty.DefaultSeverity {
		case "", "critical", "error", "warning", "info":
		default:
			errs = errors.Join(errs, fmt.Errorf("pagerduty.default_severity: %q is not one of critical, error, warning, info", cfg.PagerDuty.DefaultSeverity))
		}
		errs = errors.Join(errs, validateURL("endpoint", endpoint, false), validateURL("pagerduty.client_url", cfg.PagerDuty.ClientURL, false),
			validateTemplate("pagerduty.summary_template", cfg.PagerDuty.SummaryTemplate))
	case destAlertmanager:
		errs = errors.Join(errs, validateURL("endpoint", endpoint, true),
			validateTemplate("alertmanager.summary_template", cfg.Alertmanager.SummaryTemplate))
		if cfg.Alertmanager.ResendInterval < 0 {
			errs = errors.Join(errs, errors.New("alertmanager.resend_interval: must not be negative"))
		}
		if cfg.Alertmanager.MaxOpenIncidents < 0 {
			errs = errors.Join(errs, errors.New("alertmanager.max_open_incidents: must not be negative"))
		}
	case destSlack:
		if endpoint != "" {
			errs = errors.Join(errs, errors.New("endpoint: must be empty for destination slack (set the secret slack.webhook_url)"))
		}
		if cfg.Slack.WebhookURL == "" {
			errs = errors.Join(errs, errors.New("slack.webhook_url: required for destination slack"))
		} else if err := validateURL("slack.webhook_url", string(cfg.Slack.WebhookURL), true); err != nil {
			// Never echo the URL: it is the credential.
			errs = errors.Join(errs, errors.New("slack.webhook_url: must be an absolute http(s) URL"))
		}
		errs = errors.Join(errs, validateTemplate("slack.message_template", cfg.Slack.MessageTemplate))
	case destWebhook:
		errs = errors.Join(errs, validateURL("endpoint", endpoint, true),
			validateTemplate("webhook.summary_template", cfg.Webhook.SummaryTemplate))
	case "":
		errs = errors.Join(errs, errors.New("destination: required (pagerduty, alertmanager, slack or webhook)"))
	default:
		errs = errors.Join(errs, fmt.Errorf("destination: unknown %q (want pagerduty, alertmanager, slack or webhook)", cfg.Destination))
	}
	switch cfg.PlainAlerts {
	case "", plainAlertsSend, plainAlertsSkip:
	default:
		errs = errors.Join(errs, fmt.Errorf("plain_alerts: %q is not send or skip", cfg.PlainAlerts))
	}
	if cfg.ClientConfig.Timeout < 0 {
		errs = errors.Join(errs, errors.New("timeout: must not be negative"))
	}
	return errs
}

func validateURL(key, raw string, required bool) error {
	if raw == "" {
		if required {
			return fmt.Errorf("%s: required", key)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %q must be an absolute http(s) URL", key, redactURL(raw))
	}
	return nil
}

func validateTemplate(key, text string) error {
	if text == "" {
		return nil
	}
	if _, err := parseTemplate(key, text); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}
