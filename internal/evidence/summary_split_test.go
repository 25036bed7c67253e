package evidence

import (
	"encoding/hex"
	"hash/fnv"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// splitByTrace deals td's spans to n parts by a hash of their trace ID,
// as the loadbalancing exporter (routing_key: traceID) deals them to
// replicas: each part holds whole traces.
func splitByTrace(td ptrace.Traces, n int) []ptrace.Traces {
	parts := make([]ptrace.Traces, n)
	for i := range parts {
		parts[i] = ptrace.NewTraces()
	}
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				id := sp.TraceID()
				h := fnv.New32a()
				_, _ = h.Write(id[:])
				to := parts[h.Sum32()%uint32(n)].ResourceSpans().AppendEmpty()
				rs.Resource().CopyTo(to.Resource())
				sp.CopyTo(to.ScopeSpans().AppendEmpty().Spans().AppendEmpty())
			}
		}
	}
	return parts
}

// slowRoots records the trace IDs (hex) where a server span of svc took
// longer than 300 ms.
func slowRoots(td ptrace.Traces, svc string, into map[string]bool) {
	for _, rs := range td.ResourceSpans().All() {
		if v, _ := rs.Resource().Attributes().Get("service.name"); v.Str() != svc {
			continue
		}
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				if sp.Kind() == ptrace.SpanKindServer && sp.EndTimestamp()-sp.StartTimestamp() > 300_000_000 {
					id := sp.TraceID()
					into[hex.EncodeToString(id[:])] = true
				}
			}
		}
	}
}

// TestThreeObserversMergeAsOneForLatency: the two-tier deployment's
// observers each see a third of the traces (whole traces, dealt by trace
// ID) and judge slowness against the usual they learn from their share;
// their summaries, merged, must place latency where one tracker seeing
// every span does: the same slow origin, the same slow calls (within the
// jitter of three learned means against one), the same links between
// every pair, and the same evidence line but for the self times only the
// spans carry. After five minutes of usual traffic, 30 s, and 10 s (about
// 50 of payment's spans, 15-20 in each observer's share: the observers are
// still learning their usual when the slowdown begins, and judge none of
// their first slow spans, which the single tracker does).
func TestThreeObserversMergeAsOneForLatency(t *testing.T) {
	for _, warm := range []time.Duration{5 * time.Minute, 30 * time.Second, 10 * time.Second} {
		t.Run(warm.String(), func(t *testing.T) { threeObserversMergeAsOne(t, warm) })
	}
}

func threeObserversMergeAsOne(t *testing.T, warm time.Duration) {
	services := map[string][]string{
		"frontend": {"checkout", "catalog"}, "checkout": {"payment", "inventory"},
		"catalog": nil, "payment": nil, "inventory": nil,
	}
	slowFrom := t0.Add(warm)
	ts := alertscenario.NewTraceStream(&alertscenario.Scenario{
		Topology: &alertscenario.Topology{Name: "shop", Services: services, Entry: []string{"frontend"},
			Databases: map[string]string{}, Brokers: map[string]bool{}},
		Faults: []alertscenario.Fault{{Root: "payment", From: slowFrom, To: slowFrom.Add(time.Hour), Kind: alertscenario.FaultLatency}},
	}, 12, 0.5, 0.6, 7)
	direct, merged := New(Config{}), New(Config{})
	var observers [3]*Summarizer
	for i := range observers {
		observers[i] = NewSummarizer(SummarizerConfig{MaxServices: 100, MaxEdges: 100, MaxExemplars: 4})
	}
	slow := map[string]bool{}
	at := t0
	for ; at.Before(slowFrom.Add(time.Minute)); at = at.Add(time.Second) {
		td := ts.Tick(at)
		slowRoots(td, "payment", slow)
		direct.Observe(td, at)
		for i, part := range splitByTrace(td, len(observers)) {
			observers[i].Observe(part)
		}
		if at.Add(time.Second).Sub(t0)%(10*time.Second) == 0 {
			for _, o := range observers {
				c, over := o.Take()
				require.Zero(t, over)
				merged.Merge(c, at)
			}
		}
	}
	require.NotEmpty(t, slow)
	now := at.Add(-time.Second)
	names := []string{"frontend", "checkout", "catalog", "payment", "inventory"}
	for _, svc := range names {
		d, m := direct.Slow(svc, now), merged.Slow(svc, now)
		t.Logf("%s: %d spans, %d slow seen by one tracker, %d by three observers", svc, d.Spans, d.Slow, m.Slow)
		assert.Equal(t, d.Anomalous, m.Anomalous, svc)
		assert.Equal(t, d.Spans, m.Spans, svc)
		if warm >= 30*time.Second {
			assert.InDelta(t, d.Slow, m.Slow, 2+0.02*float64(d.Spans), svc)
		} else {
			assert.InDelta(t, d.Slow, m.Slow, 0.2*float64(d.Slow)+2, svc)
		}
		for _, to := range names {
			assert.Equal(t, direct.Link(svc, to, 3, now), merged.Link(svc, to, 3, now), "%s -> %s", svc, to)
		}
	}
	for _, svc := range names {
		assert.Equal(t, svc == "payment", merged.SlowOrigin(svc, now).Anomalous, "latency originates in payment alone: %s", svc)
	}
	alerting := []string{"frontend", "checkout", "payment"}
	dl, _ := direct.Explain("payment", alerting, 3, now)
	ml, ex := merged.Explain("payment", alerting, 3, now)
	t.Log(dl)
	t.Log(ml)
	require.Regexp(t, `^latency originates in payment: `, ml)
	assert.Contains(t, ml, "; 2 of 2 alerting services' slowness passes through payment")
	// The spans' self times are known to the tracker that saw them only.
	times := regexp.MustCompile(`self time [^;]*; `)
	pct := regexp.MustCompile(`\d+(\.\d)?%`)
	assert.Equal(t, pct.ReplaceAllString(times.ReplaceAllString(dl, ""), "N%"), pct.ReplaceAllString(ml, "N%"))
	assert.True(t, slow[ex], "the exemplar %s is a trace where payment was slow", ex)
}
