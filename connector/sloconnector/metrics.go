package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// appendMetrics writes o's metrics at now: SLI total and good counted since
// the last evaluation (delta sums, so counts from many collectors add up),
// the error budget remaining, and the burn rate per window. Called with mu
// held; it resets the pending counts.
func (c *core) appendMetrics(md pmetric.Metrics, o *objective, now time.Time, ratios map[time.Duration]float64) {
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", o.service)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(scopeName)
	ts := pcommon.NewTimestampFromTime(now)
	start := pcommon.NewTimestampFromTime(o.lastEmit)
	if o.lastEmit.IsZero() {
		start = ts
	}
	appendDelta(sm, metricTotal, "Weighted events counted for the SLI.", o.name, start, ts, o.pendingTotal)
	appendDelta(sm, metricGood, "Weighted good events counted for the SLI.", o.name, start, ts, o.pendingGood)
	o.pendingTotal, o.pendingGood, o.lastEmit = 0, 0, now
	if remaining, ok := o.budgetRemaining(now); ok {
		g := newGauge(sm, metricBudgetRemaining, "Share of the error budget left in the budget window (negative when overspent).", "1")
		dp := g.DataPoints().AppendEmpty()
		dp.SetTimestamp(ts)
		dp.SetDoubleValue(remaining)
		dp.Attributes().PutStr(attrSLOName, o.name)
	}
	if len(ratios) == 0 {
		return
	}
	g := newGauge(sm, metricBurnRate, "Error ratio over the window divided by the error budget.", "1")
	for _, w := range c.windows {
		r, ok := ratios[w]
		if !ok {
			continue
		}
		dp := g.DataPoints().AppendEmpty()
		dp.SetTimestamp(ts)
		dp.SetDoubleValue(r / o.budget)
		dp.Attributes().PutStr(attrSLOName, o.name)
		dp.Attributes().PutStr(attrSLOWindow, formatWindow(w))
	}
}

func appendDelta(sm pmetric.ScopeMetrics, name, desc, slo string, start, ts pcommon.Timestamp, v float64) {
	m := sm.Metrics().AppendEmpty()
	m.SetName(name)
	m.SetDescription(desc)
	m.SetUnit("{event}")
	s := m.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	dp := s.DataPoints().AppendEmpty()
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(ts)
	dp.SetDoubleValue(v)
	dp.Attributes().PutStr(attrSLOName, slo)
}

func newGauge(sm pmetric.ScopeMetrics, name, desc, unit string) pmetric.Gauge {
	m := sm.Metrics().AppendEmpty()
	m.SetName(name)
	m.SetDescription(desc)
	m.SetUnit(unit)
	return m.SetEmptyGauge()
}
