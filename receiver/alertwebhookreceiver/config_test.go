package alertwebhookreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := createDefaultConfig().(*Config)
	custom.ServerConfig.NetAddr.Endpoint = "127.0.0.1:19097"
	custom.ServerConfig.MaxRequestBodySize = 1 << 20
	custom.AlertmanagerPath = "/hooks/am"
	custom.GrafanaPath = "/hooks/grafana"
	custom.ResourceLabels = ResourceLabelsConfig{
		ServiceName:      []string{"app"},
		ServiceNamespace: []string{"team"},
		Environment:      []string{"cluster_env"},
		Workload:         WorkloadLabelsConfig{Exporters: []string{"ksm"}, Labels: []string{"deployment", "pod"}},
	}
	custom.SeverityLabel = "priority"
	custom.IgnoreLabels = []string{"incident_id", "quell_loop"}
	custom.ServerConfig.ReadHeaderTimeout = 5 * time.Second
	custom.ServerConfig.ReadTimeout = 15 * time.Second
	custom.ServerConfig.IdleTimeout = 2 * time.Minute
	custom.Limits = LimitsConfig{MaxAlerts: 500, MaxLabels: 64, MaxAnnotations: 32, MaxKeyLength: 128,
		MaxLabelValueLength: 2048, MaxAnnotationValueLength: 8192}

	grafanaOnly := createDefaultConfig().(*Config)
	grafanaOnly.AlertmanagerPath = ""
	grafanaOnly.ResourceLabels = ResourceLabelsConfig{ServiceName: []string{}, ServiceNamespace: []string{}, Environment: []string{},
		Workload: WorkloadLabelsConfig{Exporters: []string{}, Labels: []string{}}}
	grafanaOnly.SeverityLabel = ""
	grafanaOnly.IgnoreLabels = []string{}

	tests := []struct {
		id   component.ID
		want *Config
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "custom"), want: custom},
		{id: component.NewIDWithName(metadata.Type, "grafana_only"), want: grafanaOnly},
	}
	for _, tt := range tests {
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

func TestDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, "localhost:9097", cfg.ServerConfig.NetAddr.Endpoint)
	assert.Equal(t, "/alertmanager", cfg.AlertmanagerPath)
	assert.Equal(t, "/grafana", cfg.GrafanaPath)
	assert.Equal(t, []string{"service", "service_name", "sloth_service", "job"}, cfg.ResourceLabels.ServiceName)
	assert.Equal(t, []string{"(.+-)?kube-state-metrics", "(.+-)?kubelet"}, cfg.ResourceLabels.Workload.Exporters)
	assert.Equal(t, []string{"deployment", "statefulset", "daemonset", "pod"}, cfg.ResourceLabels.Workload.Labels)
	assert.Equal(t, []string{"service_namespace", "namespace"}, cfg.ResourceLabels.ServiceNamespace)
	assert.Equal(t, []string{"env", "environment", "deployment_environment"}, cfg.ResourceLabels.Environment)
	assert.Equal(t, "severity", cfg.SeverityLabel)
	assert.Equal(t, []string{"incident_id"}, cfg.IgnoreLabels)
	require.NoError(t, cfg.Validate())
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		errs   []string
	}{
		{name: "no paths", modify: func(c *Config) { c.AlertmanagerPath, c.GrafanaPath = "", "" },
			errs: []string{"alertmanager_path, grafana_path: at least one must be set"}},
		{name: "relative alertmanager path", modify: func(c *Config) { c.AlertmanagerPath = "am" },
			errs: []string{`alertmanager_path: "am" must start with /`}},
		{name: "relative grafana path", modify: func(c *Config) { c.GrafanaPath = "g" },
			errs: []string{`grafana_path: "g" must start with /`}},
		{name: "same path", modify: func(c *Config) { c.GrafanaPath = c.AlertmanagerPath },
			errs: []string{`grafana_path: "/alertmanager" is also alertmanager_path`}},
		{name: "empty service label", modify: func(c *Config) { c.ResourceLabels.ServiceName = []string{"svc", ""} },
			errs: []string{"resource_labels.service_name[1]: must not be empty"}},
		{name: "duplicate namespace label", modify: func(c *Config) { c.ResourceLabels.ServiceNamespace = []string{"ns", "ns"} },
			errs: []string{`resource_labels.service_namespace[1]: duplicate label "ns"`}},
		{name: "empty environment label", modify: func(c *Config) { c.ResourceLabels.Environment = []string{""} },
			errs: []string{"resource_labels.deployment_environment_name[0]: must not be empty"}},
		{name: "bad exporter pattern", modify: func(c *Config) { c.ResourceLabels.Workload.Exporters = []string{"ok", "(kube"} },
			errs: []string{"resource_labels.workload.exporters[1]: error parsing regexp"}},
		{name: "empty exporter pattern", modify: func(c *Config) { c.ResourceLabels.Workload.Exporters = []string{""} },
			errs: []string{"resource_labels.workload.exporters[0]: must not be empty"}},
		{name: "duplicate workload label", modify: func(c *Config) { c.ResourceLabels.Workload.Labels = []string{"pod", "pod"} },
			errs: []string{`resource_labels.workload.labels[1]: duplicate label "pod"`}},
		{name: "duplicate ignore label", modify: func(c *Config) { c.IgnoreLabels = []string{"incident_id", "incident_id"} },
			errs: []string{`ignore_labels[1]: duplicate label "incident_id"`}},
		{name: "negative timeouts", modify: func(c *Config) {
			c.ServerConfig.ReadTimeout, c.ServerConfig.ReadHeaderTimeout = -1, -1
			c.ServerConfig.WriteTimeout, c.ServerConfig.IdleTimeout = -1, -1
		},
			errs: []string{"read_timeout: must not be negative", "read_header_timeout: must not be negative",
				"write_timeout: must not be negative", "idle_timeout: must not be negative"}},
		{name: "negative limits", modify: func(c *Config) {
			c.Limits = LimitsConfig{MaxAlerts: -1, MaxLabels: -1, MaxAnnotations: -1, MaxKeyLength: -1, MaxLabelValueLength: -1, MaxAnnotationValueLength: -1}
		},
			errs: []string{"limits.max_alerts: must not be negative", "limits.max_labels: must not be negative",
				"limits.max_annotations: must not be negative", "limits.max_key_length: must not be negative",
				"limits.max_label_value_length: must not be negative", "limits.max_annotation_value_length: must not be negative"}},
		{name: "annotation limit below marker", modify: func(c *Config) { c.Limits.MaxAnnotationValueLength = 5 },
			errs: []string{"limits.max_annotation_value_length: must be more than 14 bytes"}},
		{name: "several at once", modify: func(c *Config) { c.AlertmanagerPath = "x"; c.IgnoreLabels = []string{""} },
			errs: []string{`alertmanager_path: "x" must start with /`, "ignore_labels[0]: must not be empty"}},
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
		})
	}
}
