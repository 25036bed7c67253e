package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/quell-otel/quell/connector/sloconnector/internal/metadata"
)

const (
	defaultWindow        = 30 * 24 * time.Hour
	defaultBucket        = time.Minute
	defaultBudgetBucket  = time.Hour
	defaultEvaluation    = time.Minute
	defaultMaxObjectives = 1000
	defaultAlertName     = "SLOErrorBudgetBurn"
)

// NewFactory returns the slo connector factory. The factory holds one shared
// core per component ID: the traces-to-logs, traces-to-metrics and
// metrics-to-logs instances the collector builds for one ID count into, and
// alert from, the same windows.
func NewFactory() connector.Factory {
	f := &factory{cores: map[component.ID]*core{}}
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithTracesToLogs(f.createTracesToLogs, metadata.TracesToLogsStability),
		connector.WithTracesToMetrics(f.createTracesToMetrics, metadata.TracesToMetricsStability),
		connector.WithMetricsToLogs(f.createMetricsToLogs, metadata.MetricsToLogsStability),
	)
}

// createDefaultConfig holds every default: the Workbook's four tiers (page
// at 14.4x over 1h and 5m or 6x over 6h and 30m; ticket at 3x over 1d and 2h
// or 1x over 3d and 6h).
func createDefaultConfig() component.Config {
	return &Config{
		Tiers: []TierConfig{
			{Name: "page", Severity: "critical", BurnRate: 14.4, LongWindow: time.Hour, ShortWindow: 5 * time.Minute},
			{Name: "page", Severity: "critical", BurnRate: 6, LongWindow: 6 * time.Hour, ShortWindow: 30 * time.Minute},
			{Name: "ticket", Severity: "warning", BurnRate: 3, LongWindow: 24 * time.Hour, ShortWindow: 2 * time.Hour},
			{Name: "ticket", Severity: "warning", BurnRate: 1, LongWindow: 72 * time.Hour, ShortWindow: 6 * time.Hour},
		},
		DefaultWindow:      defaultWindow,
		Bucket:             defaultBucket,
		BudgetBucket:       defaultBudgetBucket,
		EvaluationInterval: defaultEvaluation,
		MaxObjectives:      defaultMaxObjectives,
		AlertName:          defaultAlertName,
		EmitAlerts:         true,
	}
}

type factory struct {
	mu    sync.Mutex
	cores map[component.ID]*core
}

// get returns the shared core of an ID, creating it on first use. The core
// removes itself from the map on its last Shutdown.
func (f *factory) get(set connector.Settings, cfg *Config) (*core, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.cores[set.ID]; ok {
		return c, nil
	}
	c, err := newCore(set, cfg, time.Now, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.cores, set.ID)
	})
	if err != nil {
		return nil, err
	}
	f.cores[set.ID] = c
	return c, nil
}

func (f *factory) createTracesToLogs(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Logs) (connector.Traces, error) {
	c, err := f.get(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	c.setNextLogs(next)
	return &tracesConnector{base{c}}, nil
}

func (f *factory) createTracesToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
	c, err := f.get(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	c.setNextMetrics(next)
	return &tracesConnector{base{c}}, nil
}

func (f *factory) createMetricsToLogs(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Logs) (connector.Metrics, error) {
	c, err := f.get(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	c.setNextLogs(next)
	return &metricsConnector{base{c}}, nil
}
