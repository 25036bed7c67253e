//go:generate mdatagen metadata.yaml

// Package costreportexporter meters the telemetry flowing into it per team,
// service, environment and signal, prices it with a list price card and
// writes FOCUS 1.4 (or 1.3) cost reports (CSV, JSON summary, daily HTML page).
package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/quell-otel/quell/exporter/costreportexporter/internal/metadata"
)

// NewFactory returns the cost_report exporter factory. The factory holds
// the ledgers shared by every instance writing to one directory.
func NewFactory() exporter.Factory {
	return newFactory(time.Now)
}

func newFactory(clock func() time.Time) exporter.Factory {
	return newRegistry(clock).factory()
}

func (reg *registry) factory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithTraces(reg.createTraces, metadata.TracesStability),
		exporter.WithLogs(reg.createLogs, metadata.LogsStability),
		exporter.WithMetrics(reg.createMetrics, metadata.MetricsStability),
	)
}

func (r *registry) newMeter(set exporter.Settings, cfg component.Config, sig signal) (*meterExporter, error) {
	c := cfg.(*Config)
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return newMeterExporter(r, set, c, sig, tb), nil
}

func helperOptions(m *meterExporter) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(m.start),
		exporterhelper.WithShutdown(m.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
	}
}

func (r *registry) createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	m, err := r.newMeter(set, cfg, signalTraces)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewTraces(ctx, set, cfg, m.consumeTraces, helperOptions(m)...)
}

func (r *registry) createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	m, err := r.newMeter(set, cfg, signalLogs)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, m.consumeLogs, helperOptions(m)...)
}

func (r *registry) createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	m, err := r.newMeter(set, cfg, signalMetrics)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewMetrics(ctx, set, cfg, m.consumeMetrics, helperOptions(m)...)
}
