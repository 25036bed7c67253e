package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// tracesConnector counts spans into the shared core.
type tracesConnector struct {
	c *core
}

func (t *tracesConnector) Start(ctx context.Context, host component.Host) error {
	return t.c.Start(ctx, host)
}

func (t *tracesConnector) Shutdown(ctx context.Context) error { return t.c.Shutdown(ctx) }

func (*tracesConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (t *tracesConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	t.c.consumeTraces(ctx, td)
	return nil
}

// metricsConnector merges counts shipped by other collectors (their slo
// metrics output) into the shared core.
type metricsConnector struct {
	c *core
}

func (m *metricsConnector) Start(ctx context.Context, host component.Host) error {
	return m.c.Start(ctx, host)
}

func (m *metricsConnector) Shutdown(ctx context.Context) error { return m.c.Shutdown(ctx) }

func (*metricsConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (m *metricsConnector) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	m.c.mergeMetrics(ctx, md)
	return nil
}
