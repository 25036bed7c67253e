package summaryconv

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// Take removes every summary scope from md (resources left empty go too)
// and returns the summaries, one per scope, with the number of data points
// it could not read (a missing attribute, a negative or non-integer value,
// an unknown metric name); a metric that is not a delta sum counts once.
func Take(md pmetric.Metrics) ([]Summary, int) {
	var out []Summary
	invalid := 0
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			if sm.Scope().Name() != ScopeName {
				return false
			}
			s, bad := read(sm.Metrics())
			out = append(out, s)
			invalid += bad
			return true
		})
		return rm.ScopeMetrics().Len() == 0
	})
	return out, invalid
}

// read decodes one scope's metrics.
func read(ms pmetric.MetricSlice) (Summary, int) {
	s := Summary{Evidence: evidence.Counts{Services: map[string]evidence.ServiceCounts{}, Edges: map[evidence.Edge]evidence.EdgeCounts{}}}
	invalid := 0
	for i := range ms.Len() {
		m := ms.At(i)
		if m.Type() != pmetric.MetricTypeSum || m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityDelta {
			invalid++ // the whole metric, once: none of its points is read
			continue
		}
		dps := m.Sum().DataPoints()
		for j := range dps.Len() {
			if !s.add(m.Name(), dps.At(j)) {
				invalid++
			}
		}
	}
	return s, invalid
}

// add reads one data point into s; false when it is not readable.
func (s *Summary) add(name string, dp pmetric.NumberDataPoint) bool {
	if dp.ValueType() != pmetric.NumberDataPointValueTypeInt || dp.IntValue() < 0 {
		return false
	}
	v := uint64(dp.IntValue())
	if t := dp.Timestamp().AsTime(); t.After(s.End) {
		s.End = t
	}
	if t := dp.StartTimestamp().AsTime(); s.Start.IsZero() || t.Before(s.Start) {
		s.Start = t
	}
	switch name {
	case MetricEdgeCalls:
		return s.addEdge(dp, v)
	case MetricEvidenceCalls, MetricEvidenceFailed, MetricEvidenceSlow:
		return s.addEdgeEvidence(name, dp, v)
	case MetricServiceSpans, MetricServiceOrigins, MetricServiceSlowSelf:
		return s.addServiceEvidence(name, dp, v)
	}
	return false
}

// attrStr is the string attribute k of dp ("" when absent).
func attrStr(dp pmetric.NumberDataPoint, k string) string {
	if v, ok := dp.Attributes().Get(k); ok {
		return v.Str()
	}
	return ""
}

// addEdge reads an edge's call count (the learned graph).
func (s *Summary) addEdge(dp pmetric.NumberDataPoint, v uint64) bool {
	e := topology.EdgeDelta{From: attrStr(dp, AttrClient), To: attrStr(dp, AttrServer), Kind: attrStr(dp, AttrKind), Calls: v}
	if e.From == "" || e.To == "" || e.Kind == "" {
		return false
	}
	s.Edges = append(s.Edges, e)
	return true
}

// addEdgeEvidence reads an edge's calls, failed or slow calls (name).
func (s *Summary) addEdgeEvidence(name string, dp pmetric.NumberDataPoint, v uint64) bool {
	k := evidence.Edge{From: attrStr(dp, AttrClient), To: attrStr(dp, AttrServer)}
	if k.From == "" || k.To == "" {
		return false
	}
	c := s.Evidence.Edges[k]
	switch name {
	case MetricEvidenceCalls:
		c.Calls += v
	case MetricEvidenceFailed:
		c.Failed += v
	default:
		c.Timed, c.Slow = true, c.Slow+v
	}
	s.Evidence.Edges[k] = c
	return true
}

// addServiceEvidence reads a service's spans, error origins or slow
// self-times (name), with their exemplars.
func (s *Summary) addServiceEvidence(name string, dp pmetric.NumberDataPoint, v uint64) bool {
	svc := attrStr(dp, AttrService)
	if svc == "" {
		return false
	}
	c := s.Evidence.Services[svc]
	switch name {
	case MetricServiceSpans:
		c.Spans += v
	case MetricServiceOrigins:
		c.Origins += v
		c.Exemplars = appendExemplars(c.Exemplars, dp, v)
	default:
		c.Timed, c.SlowSelf = true, c.SlowSelf+v
		c.SlowExemplars = appendExemplars(c.SlowExemplars, dp, v)
	}
	s.Evidence.Services[svc] = c
	return true
}

// appendExemplars appends dp's exemplars' trace IDs to ids: an exemplar
// stands for a counted span, so none when v is zero.
func appendExemplars(ids []pcommon.TraceID, dp pmetric.NumberDataPoint, v uint64) []pcommon.TraceID {
	for i := 0; v > 0 && i < dp.Exemplars().Len(); i++ {
		if tid := dp.Exemplars().At(i).TraceID(); !tid.IsEmpty() {
			ids = append(ids, tid)
		}
	}
	return ids
}
