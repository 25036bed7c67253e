package alertwebhookreceiver

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Config is the alert_webhook receiver's configuration.
type Config struct {
	// ServerConfig is the HTTP server: endpoint, tls, auth (an auth
	// extension), max_request_body_size (default 20 MiB), timeouts. Its keys
	// sit at the top level, as in other HTTP receivers.
	ServerConfig confighttp.ServerConfig `mapstructure:",squash"`

	// AlertmanagerPath is the path that accepts Alertmanager webhooks
	// (payload version 4). Empty disables it.
	AlertmanagerPath string `mapstructure:"alertmanager_path"`

	// GrafanaPath is the path that accepts Grafana alerting webhooks.
	// Empty disables it.
	GrafanaPath string `mapstructure:"grafana_path"`

	// ResourceLabels names the alert labels that fill the record's resource
	// attributes; see ResourceLabelsConfig.
	ResourceLabels ResourceLabelsConfig `mapstructure:"resource_labels"`

	// SeverityLabel is the label copied to alert.severity and to the
	// record's severity. Empty means alerts carry no severity.
	SeverityLabel string `mapstructure:"severity_label"`

	// IgnoreLabels drops (and counts) alerts that carry any of these labels.
	// The default, [incident_id], keeps incidents that the incident exporter
	// posts to Alertmanager from coming back as alerts. Empty ignores none.
	IgnoreLabels []string `mapstructure:"ignore_labels"`

	// Limits bound what one webhook may carry; see LimitsConfig.
	Limits LimitsConfig `mapstructure:"limits"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// LimitsConfig bounds one webhook's content. The defaults sit far above
// what Alertmanager and Grafana send, so only a broken or hostile sender
// meets them. Zero disables a limit.
type LimitsConfig struct {
	// MaxAlerts is the most alerts one request may carry; more is a 400
	// naming alerts (set the sender's max_alerts below it).
	MaxAlerts int `mapstructure:"max_alerts"`
	// MaxLabels is the most labels one alert may carry; more is a 400
	// naming alerts[i].labels.
	MaxLabels int `mapstructure:"max_labels"`
	// MaxAnnotations is the most annotations one alert may carry; more is a
	// 400 naming alerts[i].annotations.
	MaxAnnotations int `mapstructure:"max_annotations"`
	// MaxKeyLength bounds label and annotation names, in bytes; a longer
	// name is a 400 naming alerts[i].labels.<name>.
	MaxKeyLength int `mapstructure:"max_key_length"`
	// MaxLabelValueLength bounds label values, in bytes; a longer value is
	// a 400 naming alerts[i].labels.<name> (labels are the alert's
	// identity, so they are never cut).
	MaxLabelValueLength int `mapstructure:"max_label_value_length"`
	// MaxAnnotationValueLength bounds annotation values, in bytes; a longer
	// value is cut to the limit, ends with "…[truncated]" and is counted
	// (receiver_alert_webhook_values_truncated).
	MaxAnnotationValueLength int `mapstructure:"max_annotation_value_length"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ResourceLabelsConfig maps alert labels to resource attributes. Each list is
// tried in order and the first label present wins; an empty list leaves the
// attribute unset.
type ResourceLabelsConfig struct {
	// ServiceName fills service.name.
	ServiceName []string `mapstructure:"service_name"`
	// ServiceNamespace fills service.namespace.
	ServiceNamespace []string `mapstructure:"service_namespace"`
	// Environment fills deployment.environment.name.
	Environment []string `mapstructure:"deployment_environment_name"`
	// Workload makes service.name the subject workload of alerts raised by
	// exporters of other workloads' state; see WorkloadLabelsConfig.
	Workload WorkloadLabelsConfig `mapstructure:"workload"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// WorkloadLabelsConfig names the workload an alert is about when the
// service ServiceName gives is an exporter of other workloads' state:
// kube-state-metrics and the kubelet (cAdvisor) evaluate every
// KubePodCrashLooping, KubeDeploymentReplicasMismatch or CPUThrottlingHigh
// of a cluster, and their job and service name the exporter, not the
// failing workload. Empty Exporters or Labels: service.name is what
// ServiceName gives.
type WorkloadLabelsConfig struct {
	// Exporters are regular expressions, anchored at both ends, over the
	// service ServiceName gives.
	Exporters []string `mapstructure:"exporters"`
	// Labels are tried in order on such an alert; the first present fills
	// service.name. A `pod` label's value is cut to its workload's name
	// (checkout-7d9f6b8c5-x2k4q: checkout). None present: the exporter.
	Labels []string `mapstructure:"labels"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the paths and label lists.
func (cfg *Config) Validate() error {
	var errs error
	if cfg.AlertmanagerPath == "" && cfg.GrafanaPath == "" {
		errs = errors.Join(errs, errors.New("alertmanager_path, grafana_path: at least one must be set"))
	}
	for key, p := range map[string]string{"alertmanager_path": cfg.AlertmanagerPath, "grafana_path": cfg.GrafanaPath} {
		if p != "" && !strings.HasPrefix(p, "/") {
			errs = errors.Join(errs, fmt.Errorf("%s: %q must start with /", key, p))
		}
	}
	if cfg.AlertmanagerPath != "" && cfg.AlertmanagerPath == cfg.GrafanaPath {
		errs = errors.Join(errs, fmt.Errorf("grafana_path: %q is also alertmanager_path", cfg.GrafanaPath))
	}
	errs = errors.Join(errs, cfg.validateTimeouts(), cfg.Limits.validate())
	errs = errors.Join(errs,
		validateLabels("resource_labels.service_name", cfg.ResourceLabels.ServiceName),
		validateLabels("resource_labels.service_namespace", cfg.ResourceLabels.ServiceNamespace),
		validateLabels("resource_labels.deployment_environment_name", cfg.ResourceLabels.Environment),
		validateLabels("ignore_labels", cfg.IgnoreLabels),
		validateLabels("resource_labels.workload.labels", cfg.ResourceLabels.Workload.Labels),
	)
	_, err := cfg.ResourceLabels.serviceMapping()
	return errors.Join(errs, err)
}

// serviceMapping compiles the service.name mapping; errors name the key.
func (c *ResourceLabelsConfig) serviceMapping() (*alertconv.ServiceMapping, error) {
	m := &alertconv.ServiceMapping{Labels: c.ServiceName, Workload: c.Workload.Labels}
	var errs error
	for i, p := range c.Workload.Exporters {
		if p == "" {
			errs = errors.Join(errs, fmt.Errorf("resource_labels.workload.exporters[%d]: must not be empty", i))
			continue
		}
		re, err := alertconv.CompileExporter(p)
		if err != nil {
			errs = errors.Join(errs, fmt.Errorf("resource_labels.workload.exporters[%d]: %w", i, err))
			continue
		}
		m.Exporters = append(m.Exporters, re)
	}
	return m, errs
}

func validateLabels(key string, labels []string) error {
	var errs error
	seen := make(map[string]struct{}, len(labels))
	for i, l := range labels {
		if l == "" {
			errs = errors.Join(errs, fmt.Errorf("%s[%d]: must not be empty", key, i))
			continue
		}
		if _, dup := seen[l]; dup {
			errs = errors.Join(errs, fmt.Errorf("%s[%d]: duplicate label %q", key, i, l))
		}
		seen[l] = struct{}{}
	}
	return errs
}

// validateTimeouts rejects negative server timeouts (zero means none).
func (cfg *Config) validateTimeouts() error {
	var errs error
	for _, t := range []struct {
		key string
		d   time.Duration
	}{
		{"read_header_timeout", cfg.ServerConfig.ReadHeaderTimeout},
		{"read_timeout", cfg.ServerConfig.ReadTimeout},
		{"write_timeout", cfg.ServerConfig.WriteTimeout},
		{"idle_timeout", cfg.ServerConfig.IdleTimeout},
	} {
		if t.d < 0 {
			errs = errors.Join(errs, fmt.Errorf("%s: must not be negative", t.key))
		}
	}
	return errs
}

func (l *LimitsConfig) validate() error {
	var errs error
	for _, f := range []struct {
		key string
		v   int
	}{
		{"limits.max_alerts", l.MaxAlerts},
		{"limits.max_labels", l.MaxLabels},
		{"limits.max_annotations", l.MaxAnnotations},
		{"limits.max_key_length", l.MaxKeyLength},
		{"limits.max_label_value_length", l.MaxLabelValueLength},
		{"limits.max_annotation_value_length", l.MaxAnnotationValueLength},
	} {
		if f.v < 0 {
			errs = errors.Join(errs, fmt.Errorf("%s: must not be negative (0 disables the limit)", f.key))
		}
	}
	if l.MaxAnnotationValueLength > 0 && l.MaxAnnotationValueLength <= len(truncationMarker) {
		errs = errors.Join(errs, fmt.Errorf("limits.max_annotation_value_length: must be more than %d bytes (the truncation marker)", len(truncationMarker)))
	}
	return errs
}
