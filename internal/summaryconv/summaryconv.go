// Package summaryconv is the one writer and the one reader of topology
// summaries as OTLP metrics: what an observing collector (the
// topology_summary connector) learned from its spans, sent to the collector
// that correlates alerts (alert_correlator's metrics input). A summary is
// one instrumentation scope named ScopeName of delta sums, so it passes
// through any OTLP exporter, balancer or batch processor unchanged.
package summaryconv

import (
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// ScopeName marks a scope of summary metrics.
const ScopeName = "github.com/quell-otel/quell/topology_summary"

// Metric names: delta, monotonic int sums.
const (
	// MetricEdgeCalls counts client/server (producer/consumer) pairs, and
	// calls to uninstrumented peers, that taught an edge of the graph
	// (attributes client, server, kind).
	MetricEdgeCalls = "quell.topology.edge.calls"
	// MetricEvidenceCalls and MetricEvidenceFailed count the calls on an
	// edge as the evidence windows see them, and the failing ones
	// (attributes client, server).
	MetricEvidenceCalls  = "quell.evidence.edge.calls"
	MetricEvidenceFailed = "quell.evidence.edge.failed_calls"
	// MetricServiceSpans and MetricServiceOrigins count a service's spans
	// and the failing ones with no failing child (attribute service); the
	// origins carry exemplars with their trace IDs.
	MetricServiceSpans   = "quell.evidence.service.spans"
	MetricServiceOrigins = "quell.evidence.service.error_origins"
	// MetricServiceSlowSelf counts a service's spans whose self time ran
	// slow against the service's usual, as the observer judged it
	// (attribute service; exemplars with their trace IDs), and
	// MetricEvidenceSlow an edge's calls slow against the edge's usual
	// (attributes client, server). An observer that judges latency writes
	// them for every service and edge it times, zero included: a summary
	// without them (an older observer's) says nothing of latency.
	MetricServiceSlowSelf = "quell.evidence.service.slow_self_spans"
	MetricEvidenceSlow    = "quell.evidence.edge.slow_calls"
)

// Attribute keys.
const (
	AttrClient  = "client"
	AttrServer  = "server"
	AttrKind    = "kind"
	AttrService = "service"
)

// Summary is what one observer learned over [Start, End].
type Summary struct {
	Start, End time.Time
	Edges      []topology.EdgeDelta
	Evidence   evidence.Counts
}

// Empty reports whether the summary carries nothing.
func (s Summary) Empty() bool {
	return len(s.Edges) == 0 && len(s.Evidence.Services) == 0 && len(s.Evidence.Edges) == 0
}

// Append writes s into md as one resource and scope.
func Append(md pmetric.Metrics, s Summary) {
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(ScopeName)
	w := writer{ms: sm.Metrics(), start: pcommon.NewTimestampFromTime(s.Start), end: pcommon.NewTimestampFromTime(s.End)}
	calls := w.sum(MetricEdgeCalls, "{calls}", "Calls that taught an edge of the service graph.")
	for _, e := range s.Edges {
		w.point(calls, e.Calls, AttrClient, e.From, AttrServer, e.To, AttrKind, e.Kind)
	}
	edges := sortedKeys(s.Evidence.Edges, func(a, b evidence.Edge) bool { return a.From < b.From || a.From == b.From && a.To < b.To })
	ecalls := w.sum(MetricEvidenceCalls, "{calls}", "Calls on an edge, as the trace evidence counts them.")
	efailed := w.sum(MetricEvidenceFailed, "{calls}", "Failing calls on an edge.")
	eslow := w.sum(MetricEvidenceSlow, "{calls}", "Calls on an edge slow against the edge's usual.")
	for _, k := range edges {
		c := s.Evidence.Edges[k]
		w.point(ecalls, c.Calls, AttrClient, k.From, AttrServer, k.To)
		if c.Failed > 0 {
			w.point(efailed, c.Failed, AttrClient, k.From, AttrServer, k.To)
		}
		if c.Timed {
			w.point(eslow, c.Slow, AttrClient, k.From, AttrServer, k.To)
		}
	}
	services := sortedKeys(s.Evidence.Services, func(a, b string) bool { return a < b })
	spans := w.sum(MetricServiceSpans, "{spans}", "A service's spans, as the trace evidence counts them.")
	origins := w.sum(MetricServiceOrigins, "{spans}", "A service's failing spans with no failing child: errors that originate in it.")
	slow := w.sum(MetricServiceSlowSelf, "{spans}", "A service's spans slow on their own (self time against the service's usual): latency that originates in it.")
	for _, svc := range services {
		c := s.Evidence.Services[svc]
		w.point(spans, c.Spans, AttrService, svc)
		if c.Origins > 0 {
			w.exemplars(w.point(origins, c.Origins, AttrService, svc), c.Exemplars)
		}
		if c.Timed {
			dp := w.point(slow, c.SlowSelf, AttrService, svc)
			if c.SlowSelf > 0 {
				w.exemplars(dp, c.SlowExemplars)
			}
		}
	}
	sm.Metrics().RemoveIf(func(m pmetric.Metric) bool { return m.Sum().DataPoints().Len() == 0 })
}

// exemplars adds a trace ID exemplar per id to dp.
func (w writer) exemplars(dp pmetric.NumberDataPoint, ids []pcommon.TraceID) {
	for _, tid := range ids {
		ex := dp.Exemplars().AppendEmpty()
		ex.SetTimestamp(w.end)
		ex.SetIntValue(1)
		ex.SetTraceID(tid)
	}
}

type writer struct {
	ms         pmetric.MetricSlice
	start, end pcommon.Timestamp
}

func (w writer) sum(name, unit, desc string) pmetric.NumberDataPointSlice {
	m := w.ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	m.SetDescription(desc)
	s := m.SetEmptySum()
	s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	s.SetIsMonotonic(true)
	return s.DataPoints()
}

func (w writer) point(dps pmetric.NumberDataPointSlice, v uint64, kv ...string) pmetric.NumberDataPoint {
	dp := dps.AppendEmpty()
	dp.SetStartTimestamp(w.start)
	dp.SetTimestamp(w.end)
	dp.SetIntValue(int64(min(v, 1<<63-1)))
	for i := 0; i+1 < len(kv); i += 2 {
		dp.Attributes().PutStr(kv[i], kv[i+1])
	}
	return dp
}

func sortedKeys[K comparable, V any](m map[K]V, less func(a, b K) bool) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	return keys
}
