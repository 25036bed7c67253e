//go:generate mdatagen metadata.yaml

// Package logbudgetprocessor implements the log_budget processor: per-key log
// budgets with severity floors, template-aware dedup, weighted sampling and
// truncation.
package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/metadata"
)

const (
	defaultMaxKeys         = 1000
	defaultDedupWindow     = 10 * time.Second
	defaultDedupMaxEntries = 10000
	defaultSampleValues    = 5
	defaultMaxTemplates    = 10000
	defaultSimilarity      = 0.6
	defaultDepth           = 3
	defaultMaxChildren     = 100
	defaultMaxTokens       = 64
	defaultSampleInterval  = time.Second
	defaultDebtWindow      = time.Minute
	defaultSaveInterval    = time.Minute
)

// NewFactory returns the log_budget processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Key: KeyConfig{
			ResourceAttributes: []string{"service.name", "deployment.environment.name"},
			MaxKeys:            defaultMaxKeys,
		},
		SeverityFloor:   "ERROR",
		SummaryInterval: time.Minute,
		DebtWindow:      defaultDebtWindow,
		Dedup: DedupConfig{
			Enabled:      true,
			Window:       defaultDedupWindow,
			MaxEntries:   defaultDedupMaxEntries,
			SampleValues: defaultSampleValues,
		},
		Templates: TemplatesConfig{
			MaxTemplates: defaultMaxTemplates,
			Similarity:   defaultSimilarity,
			Depth:        defaultDepth,
			MaxChildren:  defaultMaxChildren,
			MaxTokens:    defaultMaxTokens,
			SaveInterval: defaultSaveInterval,
		},
		Sampling: SamplingConfig{
			Enabled:  true,
			Interval: defaultSampleInterval,
		},
	}
}

func createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	return newProcessor(set, cfg.(*Config), next, time.Now)
}
