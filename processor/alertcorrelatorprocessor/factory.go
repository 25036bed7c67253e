//go:generate mdatagen metadata.yaml

// Package alertcorrelatorprocessor dedups alerts and correlates them into
// incidents along a service graph learned from traces.
package alertcorrelatorprocessor

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/metadata"
)

// NewFactory returns the alert_correlator factory. The factory holds one
// shared core per component ID, so the same ID listed in a traces pipeline
// (which only observes, to learn the graph), a metrics pipeline (which
// merges topology summaries from other collectors) and a logs pipeline
// (which correlates) is one instance.
func NewFactory() processor.Factory {
	f := &factory{cores: map[component.ID]*core{}}
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(f.createTraces, metadata.TracesStability),
		processor.WithLogs(f.createLogs, metadata.LogsStability),
		processor.WithMetrics(f.createMetrics, metadata.MetricsStability),
	)
}

type factory struct {
	mu    sync.Mutex
	cores map[component.ID]*core
}

// get returns the shared core of an ID, creating it on first use. The core
// removes itself from the map on its last Shutdown.
func (f *factory) get(set processor.Settings, cfg *Config) (*core, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.cores[set.ID]; ok {
		return c, nil
	}
	c, err := newCore(set, cfg, func() {
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

func (f *factory) createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	c, err := f.get(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	c.addRef()
	return processorhelper.NewTraces(ctx, set, cfg, next, c.observeTraces,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		processorhelper.WithStart(c.Start),
		processorhelper.WithShutdown(c.Shutdown))
}

func (f *factory) createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	c, err := f.get(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	if !c.setNextLogs(next) {
		// Incidents decided on a tick need one place to go.
		return nil, fmt.Errorf("%s: already in a logs pipeline; list it in one logs pipeline only", set.ID)
	}
	c.addRef()
	return processorhelper.NewLogs(ctx, set, cfg, next, c.processLogs,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(c.Start),
		processorhelper.WithShutdown(c.shutdownLogs))
}

// createMetrics merges topology summaries into the shared core; other
// metrics pass on.
func (f *factory) createMetrics(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	c, err := f.get(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	c.addRef()
	return processorhelper.NewMetrics(ctx, set, cfg, next, c.processMetrics,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(c.Start),
		processorhelper.WithShutdown(c.Shutdown))
}
