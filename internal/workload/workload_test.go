package workload

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestTracesAreSeeded(t *testing.T) {
	a := NewTraceGenerator(TraceOptions{Seed: 7}).Generate(50)
	b := NewTraceGenerator(TraceOptions{Seed: 7}).Generate(50)
	c := NewTraceGenerator(TraceOptions{Seed: 8}).Generate(50)
	for i := range a {
		require.Equal(t, a[i].ID, b[i].ID)
		require.Equal(t, a[i].SpanCount, b[i].SpanCount)
	}
	assert.NotEqual(t, a[0].ID, c[0].ID)
}

func TestTraceShape(t *testing.T) {
	opts := TraceOptions{Seed: 1, Services: 12, ErrorRatio: 0.1, SlowRatio: 0.05, SlowThreshold: time.Second, MinSpans: 2, MaxSpans: 40}
	traces := NewTraceGenerator(opts).Generate(5000)
	var errs, slow, clientServer, peer, db int
	for _, tr := range traces {
		require.Equal(t, tr.SpanCount, tr.Spans.SpanCount())
		require.GreaterOrEqual(t, tr.SpanCount, opts.MinSpans)
		require.LessOrEqual(t, tr.SpanCount, opts.MaxSpans)
		var hasErr bool
		var roots int
		first, last := pcommon.Timestamp(1<<63-1), pcommon.Timestamp(0)
		ids := map[pcommon.SpanID]ptrace.Span{}
		forEachSpan(tr.Spans, func(res pcommon.Map, s ptrace.Span) {
			require.Equal(t, tr.ID, s.TraceID())
			ids[s.SpanID()] = s
			if s.ParentSpanID().IsEmpty() {
				roots++
				svc, _ := res.Get("service.name")
				assert.Equal(t, tr.RootService, svc.Str())
				assert.Equal(t, tr.RootName, s.Name())
			}
			hasErr = hasErr || s.Status().Code() == ptrace.StatusCodeError
			first, last = min(first, s.StartTimestamp()), max(last, s.EndTimestamp())
			if _, ok := s.Attributes().Get("peer.service"); ok {
				peer++
			}
			if _, ok := s.Attributes().Get("db.system"); ok {
				db++
			}
		})
		require.Equal(t, 1, roots, "exactly one root span")
		forEachSpan(tr.Spans, func(_ pcommon.Map, s ptrace.Span) {
			if p, ok := ids[s.ParentSpanID()]; ok && p.Kind() == ptrace.SpanKindClient && s.Kind() == ptrace.SpanKindServer {
				clientServer++
			}
		})
		require.Equal(t, tr.Error, hasErr)
		dur := time.Duration(last - first)
		if tr.Slow {
			slow++
			require.Greater(t, dur, opts.SlowThreshold)
		} else {
			require.LessOrEqual(t, dur, opts.SlowThreshold/3)
		}
		if tr.Error {
			errs++
		}
	}
	assert.InDelta(t, 500, errs, 75)
	assert.InDelta(t, 250, slow, 60)
	assert.Positive(t, clientServer)
	assert.Positive(t, peer)
	assert.Positive(t, db)
}

func TestSplitSpreadsEveryTrace(t *testing.T) {
	traces := NewTraceGenerator(TraceOptions{Seed: 3, MinSpans: 4, MaxSpans: 10}).Generate(200)
	batches := Split(traces, 4)
	require.Len(t, batches, 4)
	perTrace := map[pcommon.TraceID]map[int]int{}
	total := 0
	for b, td := range batches {
		assert.LessOrEqual(t, td.ResourceSpans().Len(), 10, "one ResourceSpans per service in a batch")
		total += td.SpanCount()
		forEachSpan(td, func(_ pcommon.Map, s ptrace.Span) {
			if perTrace[s.TraceID()] == nil {
				perTrace[s.TraceID()] = map[int]int{}
			}
			perTrace[s.TraceID()][b]++
		})
	}
	want := 0
	for _, tr := range traces {
		want += tr.SpanCount
		assert.Len(t, perTrace[tr.ID], 4, "a trace of >= 4 spans appears in every batch")
	}
	assert.Equal(t, want, total)
	assert.Equal(t, want, Merge(traces).SpanCount())
}

func TestLogs(t *testing.T) {
	g := NewLogGenerator(LogOptions{Seed: 2, Services: 5})
	ld := g.Batch(10000)
	require.Equal(t, 10000, ld.LogRecordCount())
	var errs, withTrace, maps, stacks int
	bodies := map[string]bool{}
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		_, ok := rl.Resource().Attributes().Get("service.name")
		require.True(t, ok)
		recs := rl.ScopeLogs().At(0).LogRecords()
		for j := 0; j < recs.Len(); j++ {
			lr := recs.At(j)
			if lr.SeverityNumber() >= plog.SeverityNumberError {
				errs++
			}
			if !lr.TraceID().IsEmpty() {
				withTrace++
			}
			switch lr.Body().Type() {
			case pcommon.ValueTypeMap:
				maps++
			case pcommon.ValueTypeStr:
				bodies[lr.Body().Str()] = true
				if _, ok := lr.Attributes().Get("exception.type"); ok {
					stacks++
				}
			}
		}
	}
	assert.InDelta(t, 500, errs, 120)
	assert.InDelta(t, 3000, withTrace, 300)
	assert.Positive(t, maps)
	assert.Positive(t, stacks)
	assert.Greater(t, len(bodies), 5000, "variable fields make most bodies distinct")
	assert.Equal(t, NewLogGenerator(LogOptions{Seed: 2, Services: 5}).Batch(10), NewLogGenerator(LogOptions{Seed: 2, Services: 5}).Batch(10))
}

func forEachSpan(td ptrace.Traces, f func(res pcommon.Map, s ptrace.Span)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				f(rs.Resource().Attributes(), spans.At(k))
			}
		}
	}
}
