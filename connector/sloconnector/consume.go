package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// consumeTraces counts every span of a service with objectives into them,
// each with its sample weight, at the arrival time.
func (c *core) consumeTraces(ctx context.Context, td ptrace.Traces) {
	now := c.now()
	spans := map[*objective]int64{}
	var tooOld float64
	c.mu.Lock()
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		svc, ok := rs.Resource().Attributes().Get("service.name")
		if !ok {
			continue
		}
		objs := c.byService[svc.Str()]
		if len(objs) == 0 {
			continue
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				tooOld += countSpan(ctx, now, objs, rs, ss, ss.Spans().At(k), spans)
			}
		}
	}
	c.mu.Unlock()
	for o, n := range spans {
		c.tel.ConnectorSloSpans.Add(ctx, n, metric.WithAttributes(attribute.String("slo", o.name)))
	}
	c.countDropped(ctx, tooOld, reasonTooOld)
}

// countSpan counts one span into the objectives of its service that select
// it, adding to spans per objective; it returns the weight it could not
// count (older than the buckets). Called with mu held.
func countSpan(ctx context.Context, now time.Time, objs []*objective, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, spans map[*objective]int64) (tooOld float64) {
	weight := -1.0 // read once, when the span is counted
	for _, o := range objs {
		counted, bad := o.classify(ctx, rs, ss, span)
		if !counted {
			continue
		}
		if weight < 0 {
			weight = sampleWeight(span.TraceState().AsRaw())
		}
		badWeight := 0.0
		if bad {
			badWeight = weight
		}
		if o.add(now, weight, badWeight) {
			spans[o]++
		} else {
			tooOld += weight
		}
	}
	return tooOld
}

// sampleWeight is a span's adjusted count from its W3C tracestate's OTel
// threshold (ot=th:...): 1/p for a span sampled with probability p, 1 for a
// span with no threshold (or an unreadable tracestate).
func sampleWeight(tracestate string) float64 {
	if !strings.Contains(tracestate, "ot=") {
		return 1
	}
	w3c, err := sampling.NewW3CTraceState(tracestate)
	if err != nil {
		return 1
	}
	if n := w3c.OTelValue().AdjustedCount(); n > 0 {
		return n
	}
	return 1
}

// Reasons counted in connector_slo_events_dropped.
const (
	reasonTooOld            = "too_old"
	reasonUnknownObjective  = "unknown_objective"
	reasonUnsupportedMetric = "unsupported_metric"
)

// Metric names of the counts, also read back when merging.
const (
	metricTotal           = "slo.sli.total"
	metricGood            = "slo.sli.good"
	metricBudgetRemaining = "slo.error_budget.remaining"
	metricBurnRate        = "slo.burn_rate"
	attrSLOName           = "slo.name"
	attrSLOWindow         = "slo.window"
)

// mergeMetrics adds the delta counts other collectors' slo connectors
// emitted (slo.sli.total and slo.sli.good) to the objectives of the same
// name, at the arrival time. A total adds total and bad events, a good
// count takes bad ones back, so the two may arrive in any batches.
func (c *core) mergeMetrics(ctx context.Context, md pmetric.Metrics) {
	now := c.now()
	dropped := map[string]float64{}
	c.mu.Lock()
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		sms := md.ResourceMetrics().At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				c.mergeMetric(now, ms.At(k), dropped)
			}
		}
	}
	c.mu.Unlock()
	for reason, n := range dropped {
		c.countDropped(ctx, n, reason)
	}
}

// mergeMetric merges one metric. Called with mu held.
func (c *core) mergeMetric(now time.Time, m pmetric.Metric, dropped map[string]float64) {
	good := m.Name() == metricGood
	if !good && m.Name() != metricTotal {
		return
	}
	if m.Type() != pmetric.MetricTypeSum || m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityDelta {
		dropped[reasonUnsupportedMetric]++
		return
	}
	dps := m.Sum().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		v := dp.DoubleValue()
		if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
			v = float64(dp.IntValue())
		}
		name, _ := dp.Attributes().Get(attrSLOName)
		o := c.byName[name.Str()]
		if o == nil {
			dropped[reasonUnknownObjective] += v
			continue
		}
		total, bad := v, v
		if good {
			total, bad = 0, -v
		}
		if !o.add(now, total, bad) {
			dropped[reasonTooOld] += v
		}
	}
}

func (c *core) countDropped(ctx context.Context, n float64, reason string) {
	if n > 0 {
		c.tel.ConnectorSloEventsDropped.Add(ctx, n, metric.WithAttributes(attribute.String("reason", reason)))
	}
}
