package topologyconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/quell-otel/quell/connector/topologyconnector/internal/metadata"
)

func load(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := createDefaultConfig()
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg.(*Config)
}

func TestLoadConfig(t *testing.T) {
	def := load(t, "")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, createDefaultConfig(), def)

	custom := load(t, "custom")
	require.NoError(t, confmap.Validate(custom))
	assert.Equal(t, &Config{
		Interval: 5 * time.Second, MaxEdges: 500, MaxServices: 200, MaxExemplars: 0,
		MaxPendingSpans: 1000, PendingTTL: 30 * time.Second, EdgeTTL: 10 * time.Minute,
	}, custom)

	err := confmap.Validate(load(t, "invalid"))
	require.Error(t, err)
	for _, want := range []string{"interval: must be positive", "max_edges: must be positive", "max_exemplars: must not be negative"} {
		assert.ErrorContains(t, err, want)
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		key    string
		modify func(*Config)
	}{
		{"interval", func(c *Config) { c.Interval = 0 }},
		{"max_edges", func(c *Config) { c.MaxEdges = 0 }},
		{"max_services", func(c *Config) { c.MaxServices = -1 }},
		{"max_exemplars", func(c *Config) { c.MaxExemplars = -1 }},
		{"max_pending_spans", func(c *Config) { c.MaxPendingSpans = 0 }},
		{"pending_ttl", func(c *Config) { c.PendingTTL = 0 }},
		{"edge_ttl", func(c *Config) { c.EdgeTTL = -time.Second }},
	} {
		t.Run(tt.key, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.modify(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.key+": ")
		})
	}
}
