package alertcorrelatorprocessor

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// summaryCounts are what one summary line reports, since the last one.
type summaryCounts struct {
	since                        time.Time
	alerts, duplicates, symptoms int
	pagesBefore                  uint64 // engine's Opened at since
	// evidence overflow already counted as a metric
	svcOverflow, edgeOverflow uint64
}

func (s *summaryCounts) count(r correlate.Result) {
	s.alerts++
	switch {
	case r.Outcome == correlate.Duplicate:
		s.duplicates++
	case r.Outcome == correlate.Correlated && r.Suppressed:
		s.symptoms++
	}
}

// summaryLine is the human summary of the interval that ends at now.
func summaryLine(s summaryCounts, now time.Time, open int, pages uint64) string {
	d := now.Sub(s.since).Round(time.Second)
	return fmt.Sprintf("alert_correlator: %d alerts in %s (deduplicated %d); %d incidents open, %d pages, %d symptoms suppressed",
		s.alerts, d, s.duplicates, open, pages, s.symptoms)
}

// logSummary logs the summary line when the interval is up (or final, at
// shutdown) and starts the next interval.
func (c *core) logSummary(now time.Time, final bool) {
	if c.cfg.SummaryInterval <= 0 {
		return
	}
	c.mu.Lock()
	if c.summary.since.IsZero() {
		c.summary.since = now
		c.summary.pagesBefore = c.engine.Stats().Opened
	}
	if !final && now.Sub(c.summary.since) < c.cfg.SummaryInterval {
		c.mu.Unlock()
		return
	}
	opened := c.engine.Stats().Opened
	_, open := c.engine.Sizes()
	line := summaryLine(c.summary, now, open, opened-c.summary.pagesBefore)
	c.summary = summaryCounts{since: now, pagesBefore: opened,
		svcOverflow: c.summary.svcOverflow, edgeOverflow: c.summary.edgeOverflow}
	c.mu.Unlock()
	c.logger.Info(line)
}

// countEvidence adds the trace evidence's new overflow to the overflow
// metric (map: evidence_services, evidence_edges).
func (c *core) countEvidence(ctx context.Context) {
	if c.evidence == nil {
		return
	}
	st := c.evidence.Stats()
	c.mu.Lock()
	svc := st.ServiceOverflow - c.summary.svcOverflow
	edge := st.EdgeOverflow - c.summary.edgeOverflow
	c.summary.svcOverflow, c.summary.edgeOverflow = st.ServiceOverflow, st.EdgeOverflow
	c.mu.Unlock()
	if svc > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(svc), metric.WithAttributes(attribute.String("map", "evidence_services")))
	}
	if edge > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(edge), metric.WithAttributes(attribute.String("map", "evidence_edges")))
	}
}
