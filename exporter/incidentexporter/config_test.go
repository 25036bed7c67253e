package incidentexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/quell-otel/quell/exporter/incidentexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	pd := createDefaultConfig().(*Config)
	pd.Destination = "pagerduty"
	pd.PagerDuty = PagerDutyConfig{
		RoutingKey: "R0UT1NGKEY0123456789abcdefabcdef", SummaryTemplate: "{{.RootService}} is down",
		Source: "shop-prod", Client: "Quell prod", ClientURL: "https://quell.example.internal", DefaultSeverity: "warning",
	}

	am := createDefaultConfig().(*Config)
	am.Destination = "alertmanager"
	am.ClientConfig.Endpoint = "http://127.0.0.1:9093"
	am.ClientConfig.Timeout = 5 * time.Second
	am.Alertmanager = AlertmanagerConfig{ResendInterval: 30 * time.Second, MaxOpenIncidents: 50, SummaryTemplate: "{{.RootAlert}}"}
	storage := component.MustNewID("file_storage")
	am.QueueConfig.Get().StorageID = &storage
	am.QueueConfig.Get().QueueSize = 200
	am.RetryConfig.MaxElapsedTime = 0

	slack := createDefaultConfig().(*Config)
	slack.Destination = "slack"
	slack.Slack = SlackConfig{WebhookURL: "https://hooks.slack.com/services/T000/B000/XXXXSECRET", MessageTemplate: "{{.State}} {{.RootService}}"}

	wh := createDefaultConfig().(*Config)
	wh.Destination = "webhook"
	wh.ClientConfig.Endpoint = "https://hooks.example.internal/incidents"
	wh.ClientConfig.Headers = configopaque.MapList{{Name: "Authorization", Value: "Bearer s3cr3t-token"}}
	wh.Webhook = WebhookConfig{SummaryTemplate: "{{.ID}}"}
	wh.PlainAlerts = "skip"

	for _, tt := range []struct {
		name string
		want *Config
	}{
		{"pagerduty", pd}, {"alertmanager", am}, {"slack", slack}, {"webhook", wh},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
			require.NoError(t, err)
			cfg := createDefaultConfig()
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, 10*time.Second, cfg.ClientConfig.Timeout)
	assert.True(t, cfg.RetryConfig.Enabled)
	assert.Equal(t, 5*time.Second, cfg.RetryConfig.InitialInterval)
	assert.Equal(t, time.Minute, cfg.RetryConfig.MaxInterval)
	assert.Equal(t, time.Hour, cfg.RetryConfig.MaxElapsedTime)
	require.True(t, cfg.QueueConfig.HasValue())
	q := cfg.QueueConfig.Get()
	assert.Equal(t, 1, q.NumConsumers, "one consumer keeps an incident's state changes in order")
	assert.Equal(t, int64(1000), q.QueueSize)
	assert.False(t, q.Batch.HasValue())
	assert.Nil(t, q.StorageID)
	assert.Equal(t, time.Minute, cfg.Alertmanager.ResendInterval)
	assert.Equal(t, 10000, cfg.Alertmanager.MaxOpenIncidents)
	require.ErrorContains(t, cfg.Validate(), "destination: required")
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		errs   []string
	}{
		{name: "unknown destination", modify: func(c *Config) { c.Destination = "opsgenie" },
			errs: []string{`destination: unknown "opsgenie" (want pagerduty, alertmanager, slack or webhook)`}},
		{name: "pagerduty without key", modify: func(c *Config) { c.Destination = "pagerduty" },
			errs: []string{"pagerduty.routing_key: required for destination pagerduty"}},
		{name: "pagerduty bad severity", modify: func(c *Config) {
			c.Destination, c.PagerDuty.RoutingKey, c.PagerDuty.DefaultSeverity = "pagerduty", "k", "high"
		}, errs: []string{`pagerduty.default_severity: "high" is not one of critical, error, warning, info`}},
		{name: "pagerduty bad endpoint", modify: func(c *Config) {
			c.Destination, c.PagerDuty.RoutingKey, c.ClientConfig.Endpoint = "pagerduty", "k", "events.pagerduty.com/v2/enqueue"
		}, errs: []string{`endpoint: "(invalid URL)" must be an absolute http(s) URL`}},
		{name: "pagerduty bad client_url", modify: func(c *Config) {
			c.Destination, c.PagerDuty.RoutingKey, c.PagerDuty.ClientURL = "pagerduty", "k", "ftp://x"
		}, errs: []string{`pagerduty.client_url: "ftp://x" must be an absolute http(s) URL`}},
		{name: "pagerduty bad template", modify: func(c *Config) {
			c.Destination, c.PagerDuty.RoutingKey, c.PagerDuty.SummaryTemplate = "pagerduty", "k", "{{.RootService"
		}, errs: []string{"pagerduty.summary_template: template: pagerduty.summary_template:1: unclosed action"}},
		{name: "pagerduty unknown field in template", modify: func(c *Config) {
			c.Destination, c.PagerDuty.RoutingKey, c.PagerDuty.SummaryTemplate = "pagerduty", "k", "{{nosuchfunc .ID}}"
		}, errs: []string{`pagerduty.summary_template: template: pagerduty.summary_template:1: function "nosuchfunc" not defined`}},
		{name: "alertmanager without endpoint", modify: func(c *Config) { c.Destination = "alertmanager" },
			errs: []string{"endpoint: required"}},
		{name: "alertmanager negative values", modify: func(c *Config) {
			c.Destination, c.ClientConfig.Endpoint = "alertmanager", "http://am:9093"
			c.Alertmanager.ResendInterval, c.Alertmanager.MaxOpenIncidents = -time.Second, -1
		}, errs: []string{"alertmanager.resend_interval: must not be negative", "alertmanager.max_open_incidents: must not be negative"}},
		{name: "alertmanager bad template", modify: func(c *Config) {
			c.Destination, c.ClientConfig.Endpoint, c.Alertmanager.SummaryTemplate = "alertmanager", "http://am:9093", "{{end}}"
		}, errs: []string{"alertmanager.summary_template: template: alertmanager.summary_template:1: unexpected {{end}}"}},
		{name: "slack without url", modify: func(c *Config) { c.Destination = "slack" },
			errs: []string{"slack.webhook_url: required for destination slack"}},
		{name: "slack with endpoint", modify: func(c *Config) {
			c.Destination, c.Slack.WebhookURL, c.ClientConfig.Endpoint = "slack", "https://hooks.slack.com/services/SECRET", "https://x"
		}, errs: []string{"endpoint: must be empty for destination slack (set the secret slack.webhook_url)"}},
		{name: "slack bad url is not echoed", modify: func(c *Config) { c.Destination, c.Slack.WebhookURL = "slack", "hooks.slack.com/SECRET" },
			errs: []string{"slack.webhook_url: must be an absolute http(s) URL"}},
		{name: "slack bad template", modify: func(c *Config) {
			c.Destination, c.Slack.WebhookURL, c.Slack.MessageTemplate = "slack", "https://hooks.slack.com/x", "{{"
		}, errs: []string{"slack.message_template: template: slack.message_template:1: unclosed action"}},
		{name: "webhook without endpoint", modify: func(c *Config) { c.Destination = "webhook" },
			errs: []string{"endpoint: required"}},
		{name: "webhook bad template", modify: func(c *Config) {
			c.Destination, c.ClientConfig.Endpoint, c.Webhook.SummaryTemplate = "webhook", "http://x", "{{if}}"
		}, errs: []string{"webhook.summary_template: template: webhook.summary_template:1: missing value for if"}},
		{name: "bad plain_alerts", modify: func(c *Config) {
			c.Destination, c.ClientConfig.Endpoint, c.PlainAlerts = "webhook", "http://x", "page"
		}, errs: []string{`plain_alerts: "page" is not send or skip`}},
		{name: "negative timeout", modify: func(c *Config) {
			c.Destination, c.ClientConfig.Endpoint, c.ClientConfig.Timeout = "webhook", "http://x", -time.Second
		}, errs: []string{"timeout: must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.modify(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			for _, want := range tt.errs {
				assert.ErrorContains(t, err, want)
			}
			assert.NotContains(t, err.Error(), "SECRET")
		})
	}
}
