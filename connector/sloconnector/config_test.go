package sloconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/quell-otel/quell/connector/sloconnector/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	storage := component.MustNewID("file_storage")
	full := &Config{
		Objectives: []ObjectiveConfig{
			{
				Name: "payment-availability", Service: "payment",
				SpanCondition: `kind == SPAN_KIND_SERVER and attributes["http.route"] == "/pay"`,
				SLI:           SLIConfig{Type: SLIAvailability, BadCondition: `attributes["http.response.status_code"] >= 500`},
				Objective:     99.9, Window: 168 * time.Hour, Labels: map[string]string{"team": "payments"},
			},
			{Name: "checkout-latency", Service: "checkout", SLI: SLIConfig{Type: SLILatency, Threshold: 300 * time.Millisecond}, Objective: 99},
		},
		Tiers: []TierConfig{
			{Name: "page", Severity: "critical", BurnRate: 10, LongWindow: 30 * time.Minute, ShortWindow: 2 * time.Minute},
			{Name: "ticket", Severity: "warning", BurnRate: 2, LongWindow: 2 * time.Hour, ShortWindow: 10 * time.Minute},
		},
		DefaultWindow: 336 * time.Hour, Bucket: 30 * time.Second, BudgetBucket: 10 * time.Minute,
		EvaluationInterval: 10 * time.Second, MaxObjectives: 10, AlertName: "BudgetBurn", EmitAlerts: false, Storage: &storage,
	}
	for _, tt := range []struct {
		id   component.ID
		want *Config
	}{
		{component.NewID(metadata.Type), createDefaultConfig().(*Config)},
		{component.NewIDWithName(metadata.Type, "full"), full},
	} {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"bucket", func(c *Config) { c.Bucket = 0 }, "bucket: must be positive"},
		{"default_window", func(c *Config) { c.DefaultWindow = -1 }, "default_window: must be positive"},
		{"evaluation_interval", func(c *Config) { c.EvaluationInterval = 0 }, "evaluation_interval: must be positive"},
		{"max_objectives", func(c *Config) { c.MaxObjectives = 0 }, "max_objectives: must be positive"},
		{"too many", func(c *Config) { c.MaxObjectives = 1; c.Objectives = append(c.Objectives, c.Objectives[0]) }, "objectives: 2 objectives over max_objectives (1)"},
		{"duplicate", func(c *Config) { c.Objectives = append(c.Objectives, c.Objectives[0]) }, `objectives[1].name: duplicate "payment-availability"`},
		{"alert_name", func(c *Config) { c.AlertName = "" }, "alert_name: must not be empty"},
		{"no tiers", func(c *Config) { c.Tiers = nil }, "tiers: must not be empty"},
		{"tier name", func(c *Config) { c.Tiers[0].Name = "" }, "tiers[0].name: must not be empty"},
		{"tier severity", func(c *Config) { c.Tiers[1].Severity = "warning" }, `tiers[1].severity: "warning" differs from "critical" of another tier named "page"`},
		{"burn_rate", func(c *Config) { c.Tiers[2].BurnRate = 0 }, "tiers[2].burn_rate: must be positive"},
		{"short_window", func(c *Config) { c.Tiers[0].ShortWindow = 2 * time.Hour }, "tiers[0].short_window: must be positive and shorter than long_window"},
		{"multiple of bucket", func(c *Config) { c.Tiers[0].ShortWindow = 90 * time.Second }, "tiers[0]: long_window and short_window must be multiples of bucket (1m0s)"},
		{"name", func(c *Config) { c.Objectives[0].Name = "" }, "objectives[0].name: must not be empty"},
		{"service", func(c *Config) { c.Objectives[0].Service = "" }, "objectives[0].service: must not be empty"},
		{"objective", func(c *Config) { c.Objectives[0].Objective = 100 }, "objectives[0].objective: must be in (0, 100), got 100"},
		{"window", func(c *Config) { c.Objectives[0].Window = time.Minute }, "objectives[0].window: must be at least budget_bucket (1h0m0s)"},
		{"span_condition", func(c *Config) { c.Objectives[0].SpanCondition = "kind ==" }, "objectives[0].span_condition:"},
		{"bad_condition", func(c *Config) { c.Objectives[0].SLI.BadCondition = "nope(" }, "objectives[0].sli.bad_condition:"},
		{"availability threshold", func(c *Config) { c.Objectives[0].SLI.Threshold = time.Second }, "objectives[0].sli.threshold: only for type latency"},
		{"latency threshold", func(c *Config) { c.Objectives[0].SLI.Type = SLILatency }, "objectives[0].sli.threshold: must be positive for type latency"},
		{"sli type", func(c *Config) { c.Objectives[0].SLI.Type = "errors" }, `objectives[0].sli.type: must be availability or latency, got "errors"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.mutate(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
