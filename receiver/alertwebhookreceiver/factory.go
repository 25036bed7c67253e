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
	// hostile (slowloris). An idle keep-alive connection is closed by the
	// side whose idle timeout ends first; when that is the server, a
	// request the client sends on it at that instant fails with EOF, and
	// a POST is not retried by Go's client. Clients resend on a period
	// (Alertmanager repeats an open group every group_interval, a replay
	// every minute), so a server idle timeout equal to that period loses
	// requests under load (60s did, in the storm replay). The server keeps
	// idle connections longer than the clients that send here do: 6m,
	// past Alertmanager's 5m (prometheus/common's HTTP client) and Go's
	// default 90s, so they close first and never send on a closing one.
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 30 * time.Second
	defaultIdleTimeout       = 6 * time.Minute

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
			ServiceName:      []string{"service", "service_name", "sloth_service", "job"},
			ServiceNamespace: []string{"service_namespace", "namespace"},
			Environment:      []string{"env", "environment", "deployment_environment"},
			// kube-state-metrics and the kubelet (cAdvisor), under
			// kube-prometheus's names and kube-prometheus-stack's
			// (<release>-kube-state-metrics, <release>-kubelet).
			Workload: WorkloadLabelsConfig{
				Exporters: []string{"(.+-)?kube-state-metrics", "(.+-)?kubelet"},
				Labels:    []string{"deployment", "statefulset", "daemonset", "pod"},
			},
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

// DefaultServiceMapping is the service.name mapping of the default
// configuration (resource_labels.service_name and .workload, which
// config/alerts.yaml runs). The alert correlator's evaluation reads
// generated Kubernetes alerts through it, so the two cannot drift.
func DefaultServiceMapping() *alertconv.ServiceMapping {
	m, err := createDefaultConfig().(*Config).ResourceLabels.serviceMapping()
	if err != nil {
		panic("alert_webhook: default resource_labels: " + err.Error())
	}
	return m
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(set, cfg.(*Config), next)
}
