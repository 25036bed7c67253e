package alertcorrelatorprocessor

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// summaryCounts are what the summary lines report: the interval since the
// last line, and the totals since the first tick (start). Guarded by core.mu.
type summaryCounts struct {
	since, start              time.Time
	interval, total           tally
	pagesBefore, pagesAtStart uint64 // engine's Opened at since, at start
	// evidence overflow already counted as a metric
	svcOverflow, edgeOverflow, heldOverflow, earlyOverflow uint64
}

// tally counts alerts by outcome.
type tally struct {
	alerts, duplicates, symptoms int
}

func (s *summaryCounts) count(r correlate.Result) {
	s.interval.alerts++
	switch {
	case r.Outcome == correlate.Duplicate:
		s.interval.duplicates++
	case r.Outcome == correlate.Correlated && r.Suppressed:
		s.interval.symptoms++
	}
}

// roll ends the interval at now (opened: the engine's Opened), adds it to
// the totals and returns it with its pages and length.
func (s *summaryCounts) roll(now time.Time, opened uint64) (t tally, pages uint64, d time.Duration) {
	t, pages, d = s.interval, opened-s.pagesBefore, now.Sub(s.since)
	s.total.alerts += t.alerts
	s.total.duplicates += t.duplicates
	s.total.symptoms += t.symptoms
	s.interval, s.since, s.pagesBefore = tally{}, now, opened
	return t, pages, d
}

// summaryLine is the human summary of alerts over d.
func summaryLine(t tally, d time.Duration, open int, pages uint64) string {
	return fmt.Sprintf("alert_correlator: %d alerts in %s (deduplicated %d); %d incidents open, %d pages, %d symptoms suppressed",
		t.alerts, d.Round(time.Second), t.duplicates, open, pages, t.symptoms)
}

// logSummary logs the summary line when the interval is up and starts the
// next interval. An interval with no alert and no page logs nothing, so an
// idle collector's log stays quiet. The final line, at shutdown, always
// comes and gives the totals since the first tick.
func (c *core) logSummary(now time.Time, final bool) {
	if c.cfg.SummaryInterval <= 0 {
		return
	}
	c.mu.Lock()
	if c.summary.since.IsZero() {
		opened := c.engine.Stats().Opened
		c.summary.since, c.summary.start = now, now
		c.summary.pagesBefore, c.summary.pagesAtStart = opened, opened
	}
	if !final && now.Sub(c.summary.since) < c.cfg.SummaryInterval {
		c.mu.Unlock()
		return
	}
	opened := c.engine.Stats().Opened
	_, open := c.engine.Sizes()
	t, pages, d := c.summary.roll(now, opened)
	var line string
	switch {
	case final:
		line = summaryLine(c.summary.total, now.Sub(c.summary.start), open, opened-c.summary.pagesAtStart) +
			" (totals since start)"
	case t != tally{} || pages > 0:
		line = summaryLine(t, d, open, pages)
	}
	c.mu.Unlock()
	if line != "" {
		c.logger.Info(line)
	}
}

// countEvidence adds the trace evidence's new overflow to the overflow
// metric (map: evidence_services, evidence_edges, evidence_held,
// evidence_early).
func (c *core) countEvidence(ctx context.Context) {
	if c.evidence == nil {
		return
	}
	st := c.evidence.Stats()
	c.mu.Lock()
	svc := st.ServiceOverflow - c.summary.svcOverflow
	edge := st.EdgeOverflow - c.summary.edgeOverflow
	held := st.HeldOverflow - c.summary.heldOverflow
	early := st.EarlyOverflow - c.summary.earlyOverflow
	c.summary.svcOverflow, c.summary.edgeOverflow = st.ServiceOverflow, st.EdgeOverflow
	c.summary.heldOverflow, c.summary.earlyOverflow = st.HeldOverflow, st.EarlyOverflow
	c.mu.Unlock()
	if svc > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(svc), metric.WithAttributes(attribute.String("map", "evidence_services")))
	}
	if edge > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(edge), metric.WithAttributes(attribute.String("map", "evidence_edges")))
	}
	if held > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(held), metric.WithAttributes(attribute.String("map", "evidence_held")))
	}
	if early > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(early), metric.WithAttributes(attribute.String("map", "evidence_early")))
	}
}
