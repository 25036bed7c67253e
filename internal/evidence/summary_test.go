package evidence

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestMergedSummariesEqualObservedSpans feeds the same traffic to one
// tracker directly and to another through a Summarizer taken every bucket:
// both must tell the same story.
func TestMergedSummariesEqualObservedSpans(t *testing.T) {
	direct, merged := New(Config{}), New(Config{})
	sum := NewSummarizer(SummarizerConfig{MaxServices: 100, MaxEdges: 100, MaxExemplars: 2})
	n := uint64(0)
	at := t0
	for ; at.Before(t0.Add(11 * time.Minute)); at = at.Add(time.Second) {
		n++
		td := call(n, at.After(t0.Add(10*time.Minute)) && n%2 == 0)
		direct.Observe(td, at)
		sum.Observe(td)
		if at.Add(time.Second).Sub(t0)%(10*time.Second) == 0 {
			c, o := sum.Take()
			assert.Zero(t, o)
			merged.Merge(c, at)
		}
	}
	now := at.Add(-time.Second)
	for _, svc := range chain {
		assert.Equal(t, direct.Origin(svc, now), merged.Origin(svc, now), svc)
		assert.Equal(t, direct.Quiet(svc, now), merged.Quiet(svc, now), svc)
	}
	require.True(t, merged.Origin("payment", now).Anomalous)
	assert.Equal(t, direct.Link("frontend", "payment", 3, now), merged.Link("frontend", "payment", 3, now))
	assert.Equal(t, Linked, merged.Link("checkout", "payment", 1, now))
	assert.Equal(t, direct.Line("payment", chain, 3, now), merged.Line("payment", chain, 3, now))
}

// TestSummariesOfEachServicesBatchEqualObservedSpans: as
// TestMergedSummariesEqualObservedSpans, but each service's spans come in
// a batch of their own (an SDK per process, forwarded by a balancer to an
// observing replica), so a caller's client span and its callee's server
// span are never in one batch. A failing call into a service that sends
// spans of its own says nothing of where its errors begin, for the
// summarizer as for the tracker (summaryserves.go): every service's
// origins read the same both ways.
func TestSummariesOfEachServicesBatchEqualObservedSpans(t *testing.T) {
	direct, merged := New(Config{}), New(Config{})
	sum := NewSummarizer(SummarizerConfig{MaxServices: 100, MaxEdges: 100, MaxExemplars: 2})
	n := uint64(0)
	at := t0
	for ; at.Before(t0.Add(11 * time.Minute)); at = at.Add(time.Second) {
		n++
		for _, td := range perResource(call(n, at.After(t0.Add(10*time.Minute)) && n%2 == 0)) {
			direct.Observe(td, at)
			sum.Observe(td)
		}
		if at.Add(time.Second).Sub(t0)%(10*time.Second) == 0 {
			c, _ := sum.Take()
			merged.Merge(c, at)
		}
	}
	now := at.Add(-time.Second)
	for _, svc := range chain {
		assert.Equal(t, direct.Origin(svc, now), merged.Origin(svc, now), svc)
	}
	require.True(t, merged.Origin("payment", now).Anomalous)
}

// perResource cuts td into one batch per resource (service).
func perResource(td ptrace.Traces) []ptrace.Traces {
	var out []ptrace.Traces
	for i := range td.ResourceSpans().Len() {
		one := ptrace.NewTraces()
		td.ResourceSpans().At(i).CopyTo(one.ResourceSpans().AppendEmpty())
		out = append(out, one)
	}
	return out
}

func TestSummarizerBoundsAndExemplars(t *testing.T) {
	sum := NewSummarizer(SummarizerConfig{MaxServices: 3, MaxEdges: 1, MaxExemplars: 2})
	for n := uint64(1); n <= 3; n++ {
		sum.Observe(call(n, true))
	}
	c, o := sum.Take()
	assert.Len(t, c.Services, 3)
	assert.Equal(t, map[Edge]EdgeCounts{{"frontend", "checkout"}: {Calls: 3, Failed: 3, Timed: true}}, c.Edges)
	// checkout -> payment, once per call, past the edge bound.
	assert.Equal(t, Overflow{Edges: 3}, o)
	p := c.Services["payment"]
	assert.Equal(t, uint64(3), p.Spans)
	assert.Equal(t, uint64(3), p.Origins)
	require.Len(t, p.Exemplars, 2, "the newest two")
	assert.Equal(t, call(3, true).ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID(), p.Exemplars[1])
	assert.Equal(t, uint64(0), c.Services["checkout"].Origins, "checkout fails only through payment")
	c, o = sum.Take()
	assert.Empty(t, c.Services)
	assert.Empty(t, c.Edges)
	assert.Zero(t, o)
}

// TestMergedSummariesCarryLatency: a correlator fed summaries sees latency
// originate where one fed the spans does (payment's own work slows down;
// checkout and frontend are slow only through it), and slowness travel
// along the same edges.
func TestMergedSummariesCarryLatency(t *testing.T) {
	direct, merged := New(Config{}), New(Config{})
	sum := NewSummarizer(SummarizerConfig{MaxServices: 100, MaxEdges: 100, MaxExemplars: 2})
	at := t0
	for n := uint64(1); at.Before(t0.Add(11 * time.Minute)); n++ {
		p := 10 * time.Millisecond
		if at.After(t0.Add(10 * time.Minute)) {
			p = 600 * time.Millisecond
		}
		td := timedChain(n, at, []time.Duration{4 * time.Millisecond, 6 * time.Millisecond, p + time.Duration(n%5)*100*time.Microsecond})
		direct.Observe(td, at)
		sum.Observe(td)
		if at.Add(time.Second).Sub(t0)%(10*time.Second) == 0 {
			c, _ := sum.Take()
			merged.Merge(c, at)
		}
		at = at.Add(time.Second)
	}
	now := at.Add(-time.Second)
	for _, svc := range chain {
		d, m := direct.Slow(svc, now), merged.Slow(svc, now)
		assert.Equal(t, d.Anomalous, m.Anomalous, svc)
		assert.Equal(t, d.Slow, m.Slow, svc)
	}
	require.True(t, merged.Slow("payment", now).Anomalous)
	assert.Equal(t, direct.Slow("payment", now).Exemplar, merged.Slow("payment", now).Exemplar)
	assert.Equal(t, Linked, merged.Link("frontend", "payment", 3, now))
	line := merged.Line("payment", chain, 3, now)
	assert.Regexp(t, `^latency originates in payment: 9\d% of its spans run slow on their own \(baseline `, line)
	assert.Contains(t, line, "2 of 2 alerting services' slowness passes through payment")
}

// TestUntimedSummariesSayNothingOfLatency: counts from an observer that
// judged no latency (older than it) make no latency window.
func TestUntimedSummariesSayNothingOfLatency(t *testing.T) {
	tr := New(Config{})
	for i := range 60 {
		at := t0.Add(time.Duration(i) * time.Second)
		tr.Merge(Counts{
			Services: map[string]ServiceCounts{"payment": {Spans: 50}},
			Edges:    map[Edge]EdgeCounts{{"checkout", "payment"}: {Calls: 50}},
		}, at)
	}
	now := t0.Add(time.Minute)
	assert.Equal(t, Slowness{}, tr.Slow("payment", now))
	assert.Nil(t, tr.edges[edgeKey{"checkout", "payment"}].lat)
	assert.Equal(t, Unlinked, tr.Link("checkout", "payment", 1, now))
}

// served is n requests to svc (trace numbers from first on), each a lone
// server span taking d.
func served(svc string, first uint64, n int, d time.Duration) ptrace.Traces {
	td := ptrace.NewTraces()
	for i := range uint64(n) {
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[8:], first+i+1)
		sp := timedSpan(td, svc, tid, first+i, 1, pcommon.SpanID{}, ptrace.SpanKindServer)
		start := t0.UnixNano()
		setSpanTimes(sp, start, start+int64(d))
	}
	return td
}

// TestSummarizerUsualsOverflowIsCounted: the usual durations are bounded
// by MaxServices across Takes. Past the bound a new service is refused
// while the others were seen in this interval or the previous one (its
// spans counted, not judged), and a service silent for two intervals is
// forgotten to make room; both are counted, and the usuals kept go on
// judging.
func TestSummarizerUsualsOverflowIsCounted(t *testing.T) {
	const usualMs, slowMs = 10 * time.Millisecond, 600 * time.Millisecond
	sum := NewSummarizer(SummarizerConfig{MaxServices: 2, MaxEdges: 2, MaxExemplars: 1})
	sum.Observe(served("a", 0, latencyWarmup, usualMs))
	sum.Observe(served("b", 100, latencyWarmup, usualMs))
	_, o := sum.Take()
	require.Zero(t, o)

	// b was seen in the previous interval: c finds no room.
	sum.Observe(served("a", 200, 1, slowMs))
	sum.Observe(served("c", 300, 5, usualMs))
	c, o := sum.Take()
	assert.Equal(t, Overflow{Usuals: 5}, o, "c's five spans not judged")
	assert.Equal(t, ServiceCounts{Spans: 5}, c.Services["c"], "counted, untimed")
	assert.Equal(t, uint64(1), c.Services["a"].SlowSelf, "a's usual kept")

	// b is now silent for two intervals: forgotten, and c learns.
	sum.Observe(served("a", 400, 1, usualMs))
	sum.Observe(served("c", 500, latencyWarmup, usualMs))
	c, o = sum.Take()
	assert.Equal(t, Overflow{Usuals: 1}, o, "b's usual forgotten")
	assert.True(t, c.Services["c"].Timed)

	sum.Observe(served("a", 600, 1, slowMs))
	sum.Observe(served("c", 700, 1, slowMs))
	c, o = sum.Take()
	assert.Zero(t, o)
	assert.Equal(t, uint64(1), c.Services["a"].SlowSelf, "a still judged")
	assert.Equal(t, uint64(1), c.Services["c"].SlowSelf, "c learned its usual")
}

// TestMergeAtTheBoundKeepsTheSameServices: counts naming more services
// and edges than the tracker has room for keep the same ones every time,
// the first by name (Merge reads them in that order, not a map's).
func TestMergeAtTheBoundKeepsTheSameServices(t *testing.T) {
	c := Counts{Services: map[string]ServiceCounts{}, Edges: map[Edge]EdgeCounts{}}
	for _, s := range []string{"e", "b", "d", "a", "c", "f"} {
		c.Services[s] = ServiceCounts{Spans: 20}
		c.Edges[Edge{"gw", s}] = EdgeCounts{Calls: 20}
	}
	for range 40 {
		tr := New(Config{MaxServices: 3, MaxEdges: 2})
		tr.Merge(c, t0)
		var known []string
		for _, s := range []string{"a", "b", "c", "d", "e", "f"} {
			if tr.Known(s, t0) {
				known = append(known, s)
			}
		}
		require.Equal(t, []string{"a", "b", "c"}, known)
		require.Len(t, tr.edges, 2)
		require.NotNil(t, tr.edges[edgeKey{"gw", "a"}])
		require.NotNil(t, tr.edges[edgeKey{"gw", "b"}])
	}
}
