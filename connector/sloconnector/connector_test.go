package sloconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func minute(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

// run sends good and bad weighted events in each minute from..to-1 and
// evaluates at the end of each.
func (h *harness) run(from, to int, good, bad uint64) {
	for m := from; m < to; m++ {
		td := ptrace.NewTraces()
		weightedSpans(td, "payment", good, bad)
		h.sendAt(minute(m).Add(30*time.Second), td)
		h.tickAt(minute(m + 1))
	}
}

func TestBurstPagesOnceAndResolves(t *testing.T) {
	h := newHarness(t, testConfig(), t0)
	h.run(0, 60, 2047, 1) // 0.05%: no alert
	require.Empty(t, alertRecords(h.logs))
	h.run(60, 120, 2007, 41) // 2%: page (14.4x over 1h and 5m)
	h.run(120, 180, 2047, 1)

	var page []alertRecord
	for _, a := range alertRecords(h.logs) {
		if a.tier == "page" {
			page = append(page, a)
		}
	}
	require.Len(t, page, 2, "one firing and one resolved record: %+v", page)
	assert.Equal(t, alertRecord{at: page[0].at, service: "payment", state: alertconv.StateFiring, severity: "critical", tier: "page", slo: "payment-availability", fingerprint: page[0].fingerprint}, page[0])
	assert.Equal(t, alertconv.StateResolved, page[1].state)
	assert.Equal(t, page[0].fingerprint, page[1].fingerprint)
	assert.Equal(t, alertconv.Fingerprint(map[string]string{
		"alertname": "SLOErrorBudgetBurn", "slo": "payment-availability", "service": "payment", "severity": "critical", "slo_tier": "page",
	}), page[0].fingerprint)
	// With 84 minutes of history the 6h window's ratio (24 burning
	// minutes: 1044/172032) passes 6x0.001 first; the page resolves when
	// the 30m window (its 29 newest minutes) holds at most 8 burning ones.
	assert.Equal(t, minute(84), page[0].at)
	assert.Equal(t, minute(141), page[1].at)
}

func TestAlertRecordConvention(t *testing.T) {
	cfg := testConfig()
	cfg.Objectives[0].Labels = map[string]string{"team": "payments"}
	h := newHarness(t, cfg, t0)
	h.run(0, 10, 0, 2048) // everything fails: both page and ticket fire
	ld := h.logs.AllLogs()
	require.NotEmpty(t, ld)
	rl := ld[0].ResourceLogs().At(0)
	svc, _ := rl.Resource().Attributes().Get("service.name")
	assert.Equal(t, "payment", svc.Str())
	attrs := rl.ScopeLogs().At(0).LogRecords().At(0).Attributes().AsRaw()
	assert.Equal(t, "SLOErrorBudgetBurn", attrs[alertconv.AttrRuleName])
	assert.Equal(t, "firing", attrs[alertconv.AttrState])
	assert.Equal(t, "otlp", attrs[alertconv.AttrSource])
	assert.Equal(t, "payments", attrs[alertconv.AttrLabelPrefix+"team"])
	assert.Equal(t, "payment", attrs[alertconv.AttrLabelPrefix+"service"])
	assert.Equal(t, minute(1).Format(time.RFC3339), attrs[alertconv.AttrStartsAt])
	assert.Contains(t, attrs[alertconv.AttrAnnotationPrefix+"summary"], "14.4x over 1h and 5m")
	assert.Equal(t, "5m=1000 30m=1000 1h=1000 2h=1000 6h=1000 1d=1000 3d=1000", attrs[alertconv.AttrAnnotationPrefix+"burn_rates"])
}

// metricValues reads the last evaluation's data points by name and window.
func metricValues(t *testing.T, md pmetric.Metrics) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		ms := md.ResourceMetrics().At(i).ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			m := ms.At(j)
			var dps pmetric.NumberDataPointSlice
			if m.Type() == pmetric.MetricTypeSum {
				dps = m.Sum().DataPoints()
			} else {
				dps = m.Gauge().DataPoints()
			}
			for k := 0; k < dps.Len(); k++ {
				key := m.Name()
				if w, ok := dps.At(k).Attributes().Get(attrSLOWindow); ok {
					key += "/" + w.Str()
				}
				out[key] = dps.At(k).DoubleValue()
			}
		}
	}
	return out
}

func TestSampleWeightsAndMetrics(t *testing.T) {
	h := newHarness(t, testConfig(), t0)
	h.run(0, 1, 2040, 8) // 8 spans + 1 span carry 2048 events
	all := h.metrics.AllMetrics()
	require.Len(t, all, 1)
	got := metricValues(t, all[0])
	assert.Equal(t, 2048.0, got[metricTotal])
	assert.Equal(t, 2040.0, got[metricGood])
	assert.InDelta(t, 1-(8.0/2048)/0.001, got[metricBudgetRemaining], 1e-9)
	assert.InDelta(t, (8.0/2048)/0.001, got[metricBurnRate+"/5m"], 1e-9)
	assert.InDelta(t, (8.0/2048)/0.001, got[metricBurnRate+"/3d"], 1e-9)

	h.tickAt(minute(2)) // nothing new: the deltas are zero
	got = metricValues(t, h.metrics.AllMetrics()[1])
	assert.Zero(t, got[metricTotal])
	assert.Equal(t, 1.0, sampleWeight(""))
	assert.Equal(t, 1.0, sampleWeight("vendor=x"))
	assert.Equal(t, 4.0, sampleWeight("vendor=x,ot=th:c"))
	assert.Equal(t, 1.0, sampleWeight("ot=th:zz"))
}

// span returns a one-span trace of service.
func span(service string, f func(s ptrace.Span)) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(t0))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(100 * time.Millisecond)))
	f(s)
	return td
}

func TestConditionsAndLatency(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Objectives = []ObjectiveConfig{
		{Name: "pay-5xx", Service: "payment", SpanCondition: `kind == SPAN_KIND_SERVER`, Objective: 99,
			SLI: SLIConfig{Type: SLIAvailability, BadCondition: `attributes["http.response.status_code"] >= 500`}},
		{Name: "pay-latency", Service: "payment", Objective: 99, SLI: SLIConfig{Type: SLILatency, Threshold: 50 * time.Millisecond}},
	}
	h := newHarness(t, cfg, t0)
	send := func(f func(s ptrace.Span)) { h.sendAt(minute(0), span("payment", f)) }
	send(func(s ptrace.Span) {
		s.SetKind(ptrace.SpanKindServer)
		s.Attributes().PutInt("http.response.status_code", 503)
	})
	send(func(s ptrace.Span) { s.SetKind(ptrace.SpanKindServer); s.Status().SetCode(ptrace.StatusCodeError) }) // no 5xx: good
	send(func(s ptrace.Span) {
		s.SetKind(ptrace.SpanKindClient)
		s.Attributes().PutInt("http.response.status_code", 500)
	})
	send(func(s ptrace.Span) { s.SetEndTimestamp(s.StartTimestamp()) }) // fast
	h.sendAt(minute(0), span("checkout", func(ptrace.Span) {}))         // no objective

	avail, lat := h.c.byName["pay-5xx"], h.c.byName["pay-latency"]
	assert.Equal(t, 2.0, avail.pendingTotal)
	assert.Equal(t, 1.0, avail.pendingGood)
	assert.Equal(t, 4.0, lat.pendingTotal)
	assert.Equal(t, 1.0, lat.pendingGood)
}

// TestReplicasMerge: three replicas each count a share of the spans and
// ship their slo metrics to one evaluating instance, which must raise the
// same alerts as one instance seeing every span.
func TestReplicasMerge(t *testing.T) {
	single := newHarness(t, testConfig(), t0)
	eval := newHarness(t, testConfig(), t0)
	replicas := []*harness{newHarness(t, testConfig(), t0), newHarness(t, testConfig(), t0), newHarness(t, testConfig(), t0)}
	for m := 0; m < 180; m++ {
		good, bad := uint64(2047), uint64(1)
		if m >= 60 && m < 120 {
			good, bad = 2007, 41
		}
		for i, r := range replicas { // spans split by power of two, round robin
			td := ptrace.NewTraces()
			weightedSpans(td, "payment", good&replicaMask(i), bad&replicaMask(i))
			r.sendAt(minute(m).Add(30*time.Second), td)
		}
		td := ptrace.NewTraces()
		weightedSpans(td, "payment", good, bad)
		single.sendAt(minute(m).Add(30*time.Second), td)
		for _, r := range replicas {
			r.tickAt(minute(m).Add(50 * time.Second))
			for _, md := range r.metrics.AllMetrics() {
				eval.clock.set(minute(m).Add(55 * time.Second))
				eval.c.mergeMetrics(context.Background(), md)
			}
			r.metrics.Reset()
		}
		single.tickAt(minute(m + 1))
		eval.tickAt(minute(m + 1))
	}
	want := alertRecords(single.logs)
	require.NotEmpty(t, want)
	assert.Equal(t, want, alertRecords(eval.logs))
}

// replicaMask splits the bits of a count between three replicas.
func replicaMask(i int) uint64 {
	var m uint64
	for b := i; b < 64; b += 3 {
		m |= 1 << b
	}
	return m
}

func TestMergeDropsUnknownAndCumulative(t *testing.T) {
	h := newHarness(t, testConfig(), t0)
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	m := ms.AppendEmpty()
	m.SetName(metricTotal)
	s := m.SetEmptySum()
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	s.DataPoints().AppendEmpty().SetDoubleValue(5)
	m = ms.AppendEmpty()
	m.SetName(metricTotal)
	s = m.SetEmptySum()
	s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	dp := s.DataPoints().AppendEmpty()
	dp.SetDoubleValue(7)
	dp.Attributes().PutStr(attrSLOName, "checkout-latency")
	h.c.mergeMetrics(context.Background(), md)
	assert.Zero(t, h.c.objectives[0].pendingTotal)
}

func TestEmitAlertsFalseOnlyCounts(t *testing.T) {
	cfg := testConfig()
	cfg.EmitAlerts = false
	h := newHarness(t, cfg, t0)
	h.run(0, 10, 0, 2048)
	assert.Empty(t, alertRecords(h.logs), "a replica never pages")
	assert.Len(t, h.metrics.AllMetrics(), 10, "it still ships its counts")
	_, firing := h.c.objectives[0].firing["page"]
	assert.True(t, firing, "its own state still follows the burn")
}
