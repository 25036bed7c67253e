// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/quell-otel/quell/processor/tailsamplerprocessor/internal/metadata"
)

// NewFactory returns the tail_sampler processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		DecisionWait:     30 * time.Second,
		RootWait:         2 * time.Second,
		MaxSpansPerTrace: 10000,
		MaxBufferedBytes: 256 << 20,
		MaxSendSpans:     8192,
		MaxSendBytes:     3 << 20,
		TickInterval:     100 * time.Millisecond,
		SummaryInterval:  time.Minute,
		DecisionCache: DecisionCacheConfig{
			KeptTraces:    100000,
			DroppedTraces: 1000000,
		},
		RecordRule: true,
	}
}

// adaptiveDefaults fills unset adaptive fields; mapstructure leaves a fresh
// struct when the block is present.
func adaptiveDefaults(a *AdaptiveConfig) {
	if a.MinProbability == 0 {
		a.MinProbability = 0.001
	}
	if a.AdjustmentInterval == 0 {
		a.AdjustmentInterval = 15 * time.Second
	}
	if a.Weight == 0 {
		a.Weight = 0.5
	}
	if a.MaxKeys == 0 {
		a.MaxKeys = 1000
	}
}

func createTraces(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	return newTailSampler(set, cfg.(*Config), next)
}
