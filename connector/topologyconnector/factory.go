package topologyconnector // import "github.com/quell-otel/quell/connector/topologyconnector"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/quell-otel/quell/connector/topologyconnector/internal/metadata"
	"github.com/quell-otel/quell/internal/topology"
)

// NewFactory returns the topology_summary connector factory.
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithTracesToMetrics(createTracesToMetrics, metadata.TracesToMetricsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Interval:        10 * time.Second,
		MaxEdges:        topology.DefaultMaxEdges,
		MaxServices:     10000,
		MaxExemplars:    3,
		MaxPendingSpans: topology.DefaultMaxPending,
		PendingTTL:      topology.DefaultPendingTTL,
		EdgeTTL:         time.Hour,
	}
}

func createTracesToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
	return newConnector(set, cfg.(*Config), next, time.Now)
}
