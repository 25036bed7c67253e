//go:generate mdatagen metadata.yaml

// Package alertwebhookreceiver receives Alertmanager (version 4) and Grafana
// alerting webhooks and turns every alert into one log record in Quell's
// alert convention (internal/alertconv).
package alertwebhookreceiver

import (
	"context"

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
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(set, cfg.(*Config), next)
}
