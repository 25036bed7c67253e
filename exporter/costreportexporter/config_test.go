package costreportexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/quell-otel/quell/exporter/costreportexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	defaults := createDefaultConfig().(*Config)
	defaults.Directory = "./reports"

	storage := component.MustNewIDWithName("file_storage", "costs")
	tests := []struct {
		id   component.ID
		want *Config
	}{
		{id: component.NewID(metadata.Type), want: defaults},
		{
			id: component.NewIDWithName(metadata.Type, "full"),
			want: &Config{
				Directory: "/var/lib/quell/costs",
				Stage:     StageIngested,
				Keys: KeysConfig{
					ServiceAttribute:     "app",
					EnvironmentAttribute: "env",
					TeamAttribute:        "owner",
					ServiceTeams:         map[string]string{"checkout": "payments", "search": "discovery"},
					DefaultTeam:          "platform",
					ExtraAttributes:      []string{"k8s.cluster.name", "cloud.region"},
					Unknown:              "none",
				},
				Prices: PriceCard{
					Currency:             "EUR",
					PerGB:                SignalPrices{Traces: 0.30, Logs: 0.50, Metrics: 0.10},
					PerMillionRecords:    1.70,
					PerMillionSpans:      2.55,
					PerMillionDataPoints: 0.05,
				},
				Billing: BillingConfig{
					AccountID:           "acct-42",
					AccountName:         "Observability",
					ProviderName:        "Grafana Labs",
					PublisherName:       "Grafana Labs",
					ServiceProviderName: "Grafana Labs",
					HostProviderName:    "Amazon Web Services",
					InvoiceIssuerName:   "Grafana Labs",
					Chargeback:          true,
				},
				Patterns:      PatternsConfig{MaxPatterns: 200, Top: 10, DedupWindow: 30 * time.Second, TemplateAttributes: "removed"},
				FocusVersion:  "1.3",
				FlushInterval: 30 * time.Second,
				MaxKeys:       500,
				Storage:       &storage,
				Timezone:      "Europe/Berlin",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, cfg.(*Config).Validate())
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, StageExported, cfg.Stage)
	assert.Equal(t, "service.name", cfg.Keys.ServiceAttribute)
	assert.Equal(t, "deployment.environment.name", cfg.Keys.EnvironmentAttribute)
	assert.Equal(t, "team", cfg.Keys.TeamAttribute)
	assert.Equal(t, "unassigned", cfg.Keys.DefaultTeam)
	assert.Equal(t, "USD", cfg.Prices.Currency)
	assert.Equal(t, SignalPrices{Traces: 0.40, Logs: 0.40, Metrics: 0.40}, cfg.Prices.PerGB)
	assert.Equal(t, time.Minute, cfg.FlushInterval)
	assert.Equal(t, 10000, cfg.MaxKeys)
	assert.Equal(t, "UTC", cfg.Timezone)
	assert.Equal(t, "1.4", cfg.FocusVersion)
	assert.False(t, cfg.Billing.Chargeback, "a price-card estimate is not an invoice")
	// Zero values mean the defaults.
	zero := &Config{}
	assert.Equal(t, StageExported, zero.stage())
	assert.Equal(t, time.Minute, zero.flushInterval())
	assert.Equal(t, 10000, zero.maxKeys())
	// The default config lacks only the directory.
	assert.EqualError(t, cfg.Validate(), "directory: must be set")
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"directory", func(c *Config) { c.Directory = "" }, "directory: must be set"},
		{"stage", func(c *Config) { c.Stage = "before" }, `stage: must be "ingested" or "exported", got "before"`},
		{"service attribute", func(c *Config) { c.Keys.ServiceAttribute = "" }, "keys.service_attribute: must be set"},
		{"environment attribute", func(c *Config) { c.Keys.EnvironmentAttribute = "" }, "keys.environment_attribute: must be set"},
		{"default team", func(c *Config) { c.Keys.DefaultTeam = "" }, "keys.default_team: must be set"},
		{"unknown", func(c *Config) { c.Keys.Unknown = "" }, "keys.unknown: must be set"},
		{"service team", func(c *Config) { c.Keys.ServiceTeams = map[string]string{"checkout": ""} }, "keys.service_teams.checkout: team must not be empty"},
		{"extra empty", func(c *Config) { c.Keys.ExtraAttributes = []string{"a", ""} }, "keys.extra_attributes[1]: must not be empty"},
		{"extra duplicate", func(c *Config) { c.Keys.ExtraAttributes = []string{"service.name"} }, `keys.extra_attributes[0]: "service.name" is already a key attribute`},
		{"extra repeated", func(c *Config) { c.Keys.ExtraAttributes = []string{"a", "a"} }, `keys.extra_attributes[1]: "a" is already a key attribute`},
		{"currency", func(c *Config) { c.Prices.Currency = "usd" }, `prices.currency: must be a 3-letter ISO 4217 code such as USD, got "usd"`},
		{"currency length", func(c *Config) { c.Prices.Currency = "" }, `prices.currency: must be a 3-letter ISO 4217 code such as USD, got ""`},
		{"per_gb traces", func(c *Config) { c.Prices.PerGB.Traces = -1 }, "prices.per_gb.traces: must be a finite number >= 0, got -1"},
		{"per_gb logs", func(c *Config) { c.Prices.PerGB.Logs = -0.5 }, "prices.per_gb.logs: must be a finite number >= 0, got -0.5"},
		{"per_gb metrics", func(c *Config) { c.Prices.PerGB.Metrics = -2 }, "prices.per_gb.metrics: must be a finite number >= 0, got -2"},
		{"per million records", func(c *Config) { c.Prices.PerMillionRecords = -1 }, "prices.per_million_records: must be a finite number >= 0, got -1"},
		{"per million spans", func(c *Config) { c.Prices.PerMillionSpans = -1 }, "prices.per_million_spans: must be a finite number >= 0, got -1"},
		{"per million data points", func(c *Config) { c.Prices.PerMillionDataPoints = -1 }, "prices.per_million_data_points: must be a finite number >= 0, got -1"},
		{"account id", func(c *Config) { c.Billing.AccountID = "" }, "billing.account_id: must be set"},
		{"account name", func(c *Config) { c.Billing.AccountName = "" }, "billing.account_name: must be set"},
		{"provider", func(c *Config) { c.Billing.ProviderName = "" }, "billing.provider_name: must be set"},
		{"publisher", func(c *Config) { c.Billing.PublisherName = "" }, "billing.publisher_name: must be set"},
		{"invoice issuer", func(c *Config) { c.Billing.InvoiceIssuerName = "" }, "billing.invoice_issuer_name: must be set"},
		{"service provider", func(c *Config) { c.Billing.ServiceProviderName = "" }, "billing.service_provider_name: must be set"},
		{"host provider", func(c *Config) { c.Billing.HostProviderName = "" }, "billing.host_provider_name: must be set"},
		{"focus version", func(c *Config) { c.FocusVersion = "1.2" }, `focus_version: must be "1.4" or "1.3", got "1.2"`},
		{"max patterns", func(c *Config) { c.Patterns.MaxPatterns = -1 }, "patterns.max_patterns: must be >= 0, got -1"},
		{"top", func(c *Config) { c.Patterns.Top = 0 }, "patterns.top: must be >= 1, got 0"},
		{"dedup window", func(c *Config) { c.Patterns.DedupWindow = 0 }, "patterns.dedup_window: must be positive, got 0s"},
		{"template attributes", func(c *Config) { c.Patterns.TemplateAttributes = "dropped" }, `patterns.template_attributes: must be "kept" or "removed", got "dropped"`},
		{"template attributes removed without table", func(c *Config) {
			c.Patterns.MaxPatterns = 0
			c.Patterns.TemplateAttributes = "removed"
		}, `patterns.template_attributes: "removed" needs the pattern table (patterns.max_patterns > 0)`},
		{"flush interval short", func(c *Config) { c.FlushInterval = time.Millisecond }, "flush_interval: must be at least 1s, got 1ms"},
		{"flush interval negative", func(c *Config) { c.FlushInterval = -time.Second }, "flush_interval: must be at least 1s, got -1s"},
		{"max keys", func(c *Config) { c.MaxKeys = -1 }, "max_keys: must be >= 0, got -1"},
		{"timezone unknown", func(c *Config) { c.Timezone = "Europe/Berlín" }, `timezone: must be an IANA time zone such as "Europe/Berlin": unknown time zone Europe/Berlín`},
		{"timezone offset", func(c *Config) { c.Timezone = "+02:00" }, `timezone: must be an IANA time zone such as "Europe/Berlin": unknown time zone +02:00`},
		{"timezone path", func(c *Config) { c.Timezone = "../../etc/passwd" }, `timezone: must be an IANA time zone such as "Europe/Berlin": time: invalid location name`},
		{"timezone local", func(c *Config) { c.Timezone = "Local" }, `timezone: must be an IANA time zone such as "Europe/Berlin": "Local" depends on the host`},
		{"two errors", func(c *Config) { c.Directory = ""; c.MaxKeys = -1 }, "directory: must be set\nmax_keys: must be >= 0, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Directory = "reports"
			tt.modify(cfg)
			assert.EqualError(t, cfg.Validate(), tt.want)
		})
	}
}

func TestConfigValidTimezones(t *testing.T) {
	for _, tz := range []string{"", "UTC", "Etc/UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"} {
		cfg := createDefaultConfig().(*Config)
		cfg.Directory = "reports"
		cfg.Timezone = tz
		assert.NoError(t, cfg.Validate(), tz)
	}
}

func TestSameReport(t *testing.T) {
	a := createDefaultConfig().(*Config)
	a.Directory = "d"
	b := createDefaultConfig().(*Config)
	b.Directory = "d"
	b.Stage = StageIngested
	assert.True(t, sameReport(a, b), "stage may differ")
	b.Prices.PerGB.Logs = 1
	assert.False(t, sameReport(a, b), "prices must match")
	b.Prices.PerGB.Logs = a.Prices.PerGB.Logs
	b.Timezone = "Europe/Berlin"
	assert.False(t, sameReport(a, b), "time zones must match")
}
