package logbudgetprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	storageID := component.MustNewIDWithName("file_storage", "templates")

	tests := []struct {
		id      string
		want    *Config
		wantErr []string
	}{
		{id: "", want: createDefaultConfig().(*Config)},
		{id: "full", want: &Config{
			Key: KeyConfig{ResourceAttributes: []string{"service.name"}, RecordAttributes: []string{"tenant"}, MaxKeys: 50},
			Budget: BudgetConfig{RecordsPerSecond: 1000, RecordsBurst: 2000, BytesPerSecond: 1048576, BytesBurst: 4194304,
				BytesPerDay: 10000000000, MoneyPerDay: 40},
			DebtWindow: 5 * time.Minute,
			PricePerGB: 0.5,
			Overrides: []OverrideConfig{{Match: map[string]string{"service.name": "checkout"},
				Budget: BudgetConfig{BytesPerDay: 50000000000}}},
			SeverityFloor: "WARN",
			PriorityClasses: []PriorityClassConfig{
				{Name: "audit", Priority: "keep", Conditions: []string{`attributes["audit"] == true`}},
				{Name: "healthchecks", Priority: "low", Conditions: []string{`IsMatch(body, "healthz")`, `attributes["http.route"] == "/ready"`}},
			},
			Dedup:     DedupConfig{Enabled: true, Window: 30 * time.Second, MaxEntries: 500, AboveFloor: true, SampleValues: 3},
			Templates: TemplatesConfig{MaxTemplates: 2000, Similarity: 0.6, Depth: 5, MaxChildren: 50, MaxTokens: 32, Storage: &storageID, SaveInterval: 30 * time.Second},
			Annotate:  true,
			Sampling:  SamplingConfig{Enabled: true, Interval: 2 * time.Second, Seed: 7},
			Truncate: TruncateConfig{MaxBodyBytes: 4096, MaxAttributeValueBytes: 256, MaxAttributes: 64,
				DropAttributes: []string{"password", "http.request.header.authorization"}},
			DryRun:          true,
			SummaryInterval: time.Minute,
		}},
		{id: "negative_budget", wantErr: []string{"budget.records_per_second: must not be negative"}},
		{id: "unknown_severity", wantErr: []string{`severity_floor: unknown severity "LOUD"`}},
		{id: "bad_ottl", wantErr: []string{"priority_classes[0].conditions[0]:"}},
		{id: "money_without_price", wantErr: []string{"budget.money_per_day: needs price_per_gb greater than 0"}},
		{id: "bad_override", wantErr: []string{
			`overrides[0].match: "team" is not a key attribute`,
			"overrides[0].budget.bytes_per_second: must not be negative",
		}},
		{id: "bad_class", wantErr: []string{
			"priority_classes[0].name: must not be empty",
			`priority_classes[0].priority: must be one of keep, high, low, got "urgent"`,
			"priority_classes[0].conditions: must not be empty",
		}},
		{id: "bad_dedup", wantErr: []string{
			"dedup.window: must be positive",
			"dedup.max_entries: must be at least 1",
			"dedup.sample_values: must not be negative",
		}},
		{id: "bad_templates", wantErr: []string{
			"templates.max_templates: must be at least 1",
			"templates.similarity: must be in (0, 1]",
			"templates.depth: must be at least 3",
			"templates.max_children: must be at least 1",
			"templates.max_tokens: must be at least 1",
			"templates.save_interval: must be in [0s, 24h], got -1s",
		}},
		{id: "bad_truncate", wantErr: []string{
			"truncate.max_body_bytes: must not be negative",
			"truncate.max_attribute_value_bytes: must not be negative",
			"truncate.max_attributes: must not be negative",
		}},
		{id: "bad_key", wantErr: []string{
			"key.max_keys: must be at least 1",
			"key: at least one of resource_attributes, record_attributes is needed",
		}},
		{id: "bad_sampling", wantErr: []string{
			"sampling.interval: must be positive",
			"price_per_gb: must not be negative",
			"debt_window: must not be negative",
		}},
	}
	for _, tt := range tests {
		t.Run("id="+tt.id, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			id := component.NewID(metadata.Type)
			if tt.id != "" {
				id = component.NewIDWithName(metadata.Type, tt.id)
			}
			sub, err := cm.Sub(id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				assert.Equal(t, tt.want, cfg)
				return
			}
			require.Error(t, err)
			for _, w := range tt.wantErr {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

func TestSeverityNames(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"ERROR", "Error", true}, {"error", "Error", true}, {"warning", "Warn", true},
		{"FATAL4", "Fatal4", true}, {"Info2", "Info2", true}, {"trace", "Trace", true}, {"loud", "", false},
	} {
		n, ok := parseSeverity(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		if ok {
			assert.Equal(t, tc.want, n.String())
		}
	}
	f, err := parseFloor("none")
	require.NoError(t, err)
	assert.Zero(t, f)
}

func TestConditionsWithContextNames(t *testing.T) {
	for _, c := range []string{
		`attributes["audit"] == true`,
		`log.attributes["audit"] == true`,
		`resource.attributes["service.name"] == "billing"`,
		`severity_number >= SEVERITY_NUMBER_WARN`,
	} {
		_, err := parseCondition(c)
		assert.NoError(t, err, c)
	}
}

func TestSizesAndBounds(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cm := confmap.NewFromStringMap(map[string]any{"budget": map[string]any{"bytes_per_day": "5GB"}, "key": map[string]any{"max_keys": 100000000}})
	require.NoError(t, cm.Unmarshal(cfg))
	assert.EqualValues(t, 5_000_000_000, cfg.Budget.BytesPerDay)
	assert.ErrorContains(t, cfg.Validate(), "key.max_keys: must be at most 1000000, got 100000000")
}
