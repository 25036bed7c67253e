//go:generate mdatagen metadata.yaml

// Package incidentexporter delivers incident records (Quell's alert
// convention, internal/alertconv) to PagerDuty Events v2, Alertmanager API
// v2, Slack incoming webhooks or a generic JSON webhook.
package incidentexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/quell-otel/quell/exporter/incidentexporter/internal/metadata"
)

const (
	// defaultTimeout bounds each export attempt and HTTP request.
	defaultTimeout = 10 * time.Second
	// Retry defaults: keep trying through an hour of outage, at most a
	// minute apart; the queue (one consumer) holds later changes meanwhile.
	defaultRetryInitial     = 5 * time.Second
	defaultRetryMaxInterval = time.Minute
	defaultRetryMaxElapsed  = time.Hour
	// defaultQueueSize is in requests (each a batch of incident records).
	defaultQueueSize = 1000
)

// NewFactory returns the incident exporter factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Timeout = defaultTimeout

	retry := configretry.NewDefaultBackOffConfig()
	retry.InitialInterval = defaultRetryInitial
	retry.MaxInterval = defaultRetryMaxInterval
	retry.MaxElapsedTime = defaultRetryMaxElapsed

	queue := exporterhelper.NewDefaultQueueConfig()
	queue.NumConsumers = 1 // state changes of an incident stay in order
	queue.QueueSize = defaultQueueSize
	queue.Batch = configoptional.None[exporterhelper.BatchConfig]()

	return &Config{
		ClientConfig: client,
		RetryConfig:  retry,
		QueueConfig:  configoptional.Some(queue),
		Alertmanager: AlertmanagerConfig{
			ResendInterval:   defaultResendInterval,
			MaxOpenIncidents: defaultMaxOpenIncidents,
		},
	}
}

func createLogs(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Logs, error) {
	cfg := c.(*Config)
	exp, err := newExporter(cfg, set)
	if err != nil {
		return nil, err
	}
	return newLogsExporter(ctx, cfg, exp)
}

// newLogsExporter hands exporterhelper the exporter's settings, whose logger
// redacts secrets (exporterhelper logs the errors it gives up on).
func newLogsExporter(ctx context.Context, cfg *Config, exp *incidentExporter) (exporter.Logs, error) {
	return exporterhelper.NewLogs(ctx, exp.settings, cfg, exp.pushLogs,
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: cfg.ClientConfig.Timeout}),
		exporterhelper.WithRetry(cfg.RetryConfig),
		exporterhelper.WithQueue(cfg.QueueConfig),
	)
}
