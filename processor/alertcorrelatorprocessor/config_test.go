package alertcorrelatorprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	storageID := component.MustNewIDWithName("file_storage", "alerts")
	tests := []struct {
		name    string
		want    *Config
		wantErr []string
	}{
		{name: "", want: createDefaultConfig().(*Config)},
		{name: "full", want: &Config{
			Topology: TopologyConfig{
				File: "testdata/otel-demo-topology.yaml", TTL: 30 * time.Minute, MaxEdges: 500,
				MaxPendingSpans: 2000, PendingTTL: 5 * time.Second, Endpoint: "127.0.0.1:0", LogChanges: true,
			},
			Correlation: CorrelationConfig{MaxHops: 2, Window: 5 * time.Minute, GroupWait: 10 * time.Second, GroupBy: []string{"alertname", "cluster"}, LocalRules: []string{"(?i)disk", "^PodRestarting$"}, OnsetWindow: 2 * time.Minute, OnsetPerHop: 45 * time.Second, OnsetFloor: time.Minute, LowSeverityWaitFactor: 1.5, SeveritySplits: false, BurstWindow: 20 * time.Second, BurstMinGroups: 3, EvidenceWindow: 30 * time.Second, CauseWait: 45 * time.Second},
			ResolveHold: 30 * time.Second,
			Flap:        FlapConfig{Window: 5 * time.Minute, Threshold: 3, Hold: 2 * time.Minute},
			Silences: []SilenceConfig{{
				Name: "payment-deploy", Matchers: []string{`service="payment"`, `alertname=~"High.*"`},
				StartsAt: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC),
			}},
			ServiceLabel:    "app",
			SeverityOrder:   []string{"page", "ticket"},
			Limits:          LimitsConfig{MaxAlerts: 1000, MaxIncidents: 100, MaxEvidenceServices: 200, MaxEvidenceEdges: 400},
			PassAlerts:      true,
			Storage:         &storageID,
			TickInterval:    500 * time.Millisecond,
			SummaryInterval: 5 * time.Minute,
		}},
		{name: "bad_durations", wantErr: []string{
			"topology.ttl: must not be negative", "topology.pending_ttl: must not be negative",
			"topology.max_edges: must not be negative", "topology.max_pending_spans: must not be negative",
			"correlation.max_hops: must not be negative", "correlation.window: must not be negative",
			"correlation.group_wait: must not be negative", "correlation.group_by[0]: must not be empty",
			"correlation.local_rules[0]: must not be empty", "correlation.local_rules[1]: error parsing regexp",
			"correlation.onset_window: must not be negative", "correlation.low_severity_wait_factor: must be in [1, 100]",
			"resolve_hold: must not be negative", "flap.window: must not be negative",
			"flap.threshold: must not be negative", "flap.hold: must not be negative",
			"limits.max_alerts: must not be negative", "limits.max_incidents: must not be negative",
			"tick_interval: must not be negative", "summary_interval: must not be negative",
			"correlation.evidence_window: must not be negative", "correlation.burst_window: must not be negative",
			"correlation.cause_wait: must not be negative",
			"limits.max_evidence_services: must not be negative", "limits.max_evidence_edges: must not be negative",
			"correlation.onset_per_hop: must not be negative", "correlation.onset_floor: must not be negative",
		}},
		{name: "bad_file", wantErr: []string{"topology.file: open testdata/missing.yaml"}},
		{name: "bad_endpoint", wantErr: []string{`topology.endpoint: "0.0.0.0" is not a loopback address`}},
		{name: "bad_endpoint_format", wantErr: []string{"topology.endpoint: address localhost: missing port"}},
		{name: "bad_burst", wantErr: []string{"correlation.burst_min_groups: must be at least 2 while correlation.burst_window is set"}},
		{name: "bad_flap", wantErr: []string{"flap.threshold: 1 would call every state change flapping"}},
		{name: "bad_silences", wantErr: []string{
			"silences[0].matchers: at least one matcher is required",
			`silences[1].name: "a" already used by silences[0]`,
			"silences[1].matchers[0]: ",
			"silences[1].ends_at: must be after starts_at",
		}},
		{name: "bad_severity", wantErr: []string{"severity_order[1]: must be non-empty and unique", "severity_order[2]: must be non-empty and unique"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
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
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
