package alertcorrelatorprocessor

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/quell-otel/quell/internal/summaryconv"
)

// processMetrics merges topology summaries (from topology_summary
// connectors on the collectors that see the spans) into the graph and the
// trace evidence, as if this instance had seen those spans, and passes
// every other metric on. The summaries are consumed.
func (c *core) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	summaries, invalid := summaryconv.Take(md)
	now := c.now()
	for _, s := range summaries {
		c.mergeSummary(ctx, s, now)
	}
	if len(summaries) > 0 {
		c.tb.ProcessorAlertCorrelatorSummariesMerged.Add(ctx, int64(len(summaries)))
	}
	if invalid > 0 {
		c.tb.ProcessorAlertCorrelatorSummaryPointsInvalid.Add(ctx, int64(invalid))
	}
	if md.ResourceMetrics().Len() == 0 {
		return md, processorhelper.ErrSkipProcessingData
	}
	return md, nil
}

// mergeSummary adds one summary at the end of its interval (no later than
// now: another collector's clock may run ahead).
func (c *core) mergeSummary(ctx context.Context, s summaryconv.Summary, now time.Time) {
	at := s.End
	if at.IsZero() || at.After(now) {
		at = now
	}
	var learned, refused int64
	for _, e := range s.Edges {
		added, err := c.graph.Merge(e, at)
		switch {
		case err != nil:
			refused++
		case added:
			learned++
		}
	}
	if learned > 0 {
		c.tb.ProcessorAlertCorrelatorTopologyEdgesLearned.Add(ctx, learned)
	}
	if refused > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, refused, metric.WithAttributes(attribute.String("map", "edges")))
	}
	if c.evidence != nil {
		c.evidence.MergeInterval(s.Evidence, s.Start, at)
	}
}
