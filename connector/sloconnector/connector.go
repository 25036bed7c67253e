package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// base is the lifecycle every instance shares: the core starts on the
// first Start and stops on the last Shutdown.
type base struct {
	c *core
}

func (b *base) Start(ctx context.Context, host component.Host) error { return b.c.Start(ctx, host) }

func (b *base) Shutdown(ctx context.Context) error { return b.c.Shutdown(ctx) }

func (*base) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// tracesConnector counts spans into the shared core.
type tracesConnector struct {
	base
}

func (t *tracesConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	t.c.consumeTraces(ctx, td)
	return nil
}

// metricsConnector merges counts shipped by other collectors (their slo
// metrics output) into the shared core.
type metricsConnector struct {
	base
}

func (m *metricsConnector) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	m.c.mergeMetrics(ctx, md)
	return nil
}
