//go:generate mdatagen metadata.yaml

// Package alertwebhookreceiver receives Alertmanager (version 4) and Grafana
// alerting webhooks and turns every alert into one log record in Quell's
// alert convention (internal/alertconv).
package alertwebhookreceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadata"
)

const (
	// defaultEndpoint listens on localhost only; set 0.0.0.0:9097 to accept
	// webhooks from other hosts.
	defaultEndpoint = "localhost:9097"
	// defaultAlertmanagerPath and defaultGrafanaPath are the webhook paths.
	defaultAlertmanagerPath = "/alertmanager"
	defaultGrafanaPath      = "/grafana"
	// defaultSeverityLabel is the label Prometheus rules and Grafana use.
	defaultSeverityLabel = "severity"

	// Server timeouts: a webhook is a few kilobytes, so a client that has
	// not sent its headers in 10s or its whole request in 30s is stuck or
	// hostile (slowloris); idle keep-alive connections close after 60s.
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 30 * time.Second
	defaultIdleTimeout       = 60 * time.Second

	// Payload limits, far above what Alertmanager and Grafana send: rules
	// carry tens of labels of tens of bytes; long texts live in annotations.
	defaultMaxAlerts                = 10000
	defaultMaxLabels                = 256
	defaultMaxAnnotations           = 256
	defaultMaxKeyLength             = 1024
	defaultMaxLabelValueLength      = 16 << 10
	defaultMaxAnnotationValueLength = 64 << 10
)

// NewFactory returns the alert_webhook receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	server.ReadHeaderTimeout = defaultReadHeaderTimeout
	server.ReadTimeout = defaultReadTimeout
	server.IdleTimeout = defaultIdleTimeout
	return &Config{
		ServerConfig:     server,
		AlertmanagerPath: defaultAlertmanagerPath,
		GrafanaPath:      defaultGrafanaPath,
		ResourceLabels: ResourceLabelsConfig{
			ServiceName:      []string{"service", "service_name", "job"},
			ServiceNamespace: []string{"service_namespace", "namespace"},
			Environment:      []string{"env", "environment", "deployment_environment"},
		},
		SeverityLabel: defaultSeverityLabel,
		IgnoreLabels:  []string{alertconv.LabelIncidentID},
		Limits: LimitsConfig{
			MaxAlerts:                defaultMaxAlerts,
			MaxLabels:                defaultMaxLabels,
			MaxAnnotations:           defaultMaxAnnotations,
			MaxKeyLength:             defaultMaxKeyLength,
			MaxLabelValueLength:      defaultMaxLabelValueLength,
			MaxAnnotationValueLength: defaultMaxAnnotationValueLength,
		},
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(set, cfg.(*Config), next)
}
