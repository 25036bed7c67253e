package evidence

import (
	"encoding/binary"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/topology"
)

// timedChain is request n down the chain at at: each service works
// self[i] on its own, half before its call and half after; each call adds
// 1 ms of network. A zero self[i] for the last service is still a span.
func timedChain(n uint64, at time.Time, self []time.Duration) ptrace.Traces {
	td := ptrace.NewTraces()
	var tid pcommon.TraceID
	binary.BigEndian.PutUint64(tid[8:], n+1)
	var build func(i int, parent pcommon.SpanID, start int64) int64
	build = func(i int, parent pcommon.SpanID, start int64) int64 {
		server := timedSpan(td, chain[i], tid, n, uint64(2*i+1), parent, ptrace.SpanKindServer)
		end := start + int64(self[i])
		if i+1 < len(chain) {
			client := timedSpan(td, chain[i], tid, n, uint64(2*i+2), server.SpanID(), ptrace.SpanKindClient)
			client.Attributes().PutStr("peer.service", chain[i+1])
			cs := start + int64(self[i]/2)
			ce := build(i+1, client.SpanID(), cs+int64(500*time.Microsecond)) + int64(500*time.Microsecond)
			setSpanTimes(client, cs, ce)
			end = ce + int64(self[i]-self[i]/2)
		}
		setSpanTimes(server, start, end)
		return end
	}
	build(0, pcommon.SpanID{}, at.UnixNano())
	return td
}

func timedSpan(td ptrace.Traces, svc string, tid pcommon.TraceID, n, k uint64, parent pcommon.SpanID, kind ptrace.SpanKind) ptrace.Span {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", svc)
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], (n+1)*64+k)
	sp.SetTraceID(tid)
	sp.SetSpanID(id)
	sp.SetParentSpanID(parent)
	sp.SetKind(kind)
	return sp
}

func setSpanTimes(sp ptrace.Span, start, end int64) {
	sp.SetStartTimestamp(pcommon.Timestamp(start))
	sp.SetEndTimestamp(pcommon.Timestamp(end))
}

// feedSlow sends ten minutes of healthy traffic (frontend 4 ms, checkout
// 6 ms, payment 10 ms on their own, a little jitter), then a minute where
// payment's own work takes 600 ms; it returns the end and the trace
// number of the last request.
func feedSlow(tr *Tracker) (time.Time, uint64) {
	n := uint64(0)
	at := t0
	self := func(slow bool) []time.Duration {
		j := time.Duration(n%5) * 200 * time.Microsecond
		p := 10*time.Millisecond + j
		if slow {
			p = 600*time.Millisecond + j
		}
		return []time.Duration{4*time.Millisecond + j, 6*time.Millisecond + j, p}
	}
	for ; at.Before(t0.Add(10 * time.Minute)); at = at.Add(time.Second) {
		n++
		tr.Observe(timedChain(n, at, self(false)), at)
	}
	for end := at.Add(time.Minute); at.Before(end); at = at.Add(time.Second) {
		n++
		tr.Observe(timedChain(n, at, self(true)), at)
	}
	return at, n
}

// TestLatencyOriginFromSelfTime: payment's own work slows down; frontend
// and checkout are slow only through their calls to it, so their self
// time is unchanged and latency originates in payment alone.
func TestLatencyOriginFromSelfTime(t *testing.T) {
	tr := New(Config{})
	now, last := feedSlow(tr)

	sl := tr.Slow("payment", now)
	require.True(t, sl.Anomalous)
	assert.InDelta(t, 1.0, sl.Rate, 0.1)
	assert.InDelta(t, float64(10*time.Millisecond), float64(sl.Usual), float64(2*time.Millisecond))
	assert.InDelta(t, float64(600*time.Millisecond), float64(sl.SlowMean), float64(20*time.Millisecond))
	var tid pcommon.TraceID
	binary.BigEndian.PutUint64(tid[8:], last+1)
	assert.Equal(t, hex.EncodeToString(tid[:]), sl.Exemplar, "the exemplar is a slow trace")

	for _, caller := range []string{"checkout", "frontend"} {
		assert.False(t, tr.Slow(caller, now).Anomalous, "%s is slow through its call, not on its own", caller)
		assert.False(t, tr.Quiet(caller, now), "%s's spans are slow", caller)
		assert.False(t, tr.Origin(caller, now).Anomalous)
	}
	// Slowness travels along the calls: each edge's client spans are slow.
	assert.Equal(t, Linked, tr.Link("frontend", "payment", 3, now))
	assert.Equal(t, Linked, tr.Link("checkout", "payment", 1, now))

	line, exemplar := tr.Explain("payment", []string{"checkout", "frontend", "payment"}, 3, now)
	assert.Contains(t, line, "latency originates in payment: 100% of its spans run slow on their own (self time 10ms usually, 600ms in the slow ones")
	assert.Contains(t, line, "2 of 2 alerting services' slowness passes through payment")
	assert.Equal(t, sl.Exemplar, exemplar)
	assert.Equal(t, uint64(60), tr.Stats().SlowSelf)
}

// TestSteadyLatencyIsNoOrigin: ten minutes of steady timings make no
// latency origin and no slow edge.
func TestSteadyLatencyIsNoOrigin(t *testing.T) {
	tr := New(Config{})
	at := t0
	for n := uint64(1); at.Before(t0.Add(11 * time.Minute)); n++ {
		j := time.Duration(n%7) * time.Millisecond
		tr.Observe(timedChain(n, at, []time.Duration{4*time.Millisecond + j, 6 * time.Millisecond, 10*time.Millisecond + 2*j}), at)
		at = at.Add(time.Second)
	}
	for _, svc := range chain {
		assert.False(t, tr.Slow(svc, at).Anomalous, svc)
		assert.True(t, tr.Quiet(svc, at), svc)
	}
	assert.Equal(t, Unlinked, tr.Link("frontend", "checkout", 1, at))
	line, _ := tr.Explain("payment", chain, 3, at)
	assert.Empty(t, line)
}

// TestHeavyTailIsNoOriginAtColdStart: a service one request in five of
// which takes 300 ms on its own (a cache miss), else 10 ms, is no latency
// origin in its first minute, before its baseline has learned how many of
// its spans are that slow, nor after (the e2e workload's cart, which the
// 1% prior called slow).
func TestHeavyTailIsNoOriginAtColdStart(t *testing.T) {
	tr := New(Config{})
	at := t0
	for n := uint64(1); at.Before(t0.Add(5 * time.Minute)); n++ {
		p := 10 * time.Millisecond
		if n%5 == 0 {
			p = 300 * time.Millisecond
		}
		tr.Observe(timedChain(n, at, []time.Duration{4 * time.Millisecond, 6 * time.Millisecond, p}), at)
		if at.Sub(t0) == 50*time.Second || at.Sub(t0) == 4*time.Minute {
			assert.False(t, tr.SlowOrigin("payment", at).Anomalous, "after %s", at.Sub(t0))
			assert.False(t, tr.Slow("payment", at).Anomalous, "after %s", at.Sub(t0))
		}
		at = at.Add(time.Second)
	}
}

// TestSelfTime: calls in parallel count once, a child running past its
// parent counts only within it, and an internal span's own time is its
// server span's.
func TestSelfTime(t *testing.T) {
	td := ptrace.NewTraces()
	tid := pcommon.TraceID{1}
	ms := func(n int64) int64 { return t0.UnixNano() + n*int64(time.Millisecond) }
	server := timedSpan(td, "orders", tid, 0, 1, pcommon.SpanID{}, ptrace.SpanKindServer)
	setSpanTimes(server, ms(0), ms(100))
	for k, iv := range [][2]int64{{10, 40}, {20, 50}, {60, 70}, {90, 130}} {
		c := timedSpan(td, "orders", tid, 0, uint64(10+k), server.SpanID(), ptrace.SpanKindClient)
		setSpanTimes(c, ms(iv[0]), ms(iv[1]))
	}
	// covered: 10-50, 60-70, 90-100: 60 ms; self 40 ms.
	handler := timedSpan(td, "stock", tid, 0, 2, pcommon.SpanID{}, ptrace.SpanKindServer)
	setSpanTimes(handler, ms(0), ms(50))
	internal := timedSpan(td, "stock", tid, 0, 3, handler.SpanID(), ptrace.SpanKindInternal)
	setSpanTimes(internal, ms(5), ms(45))
	db := timedSpan(td, "stock", tid, 0, 4, internal.SpanID(), ptrace.SpanKindClient)
	db.Attributes().PutStr("db.system", "postgresql")
	setSpanTimes(db, ms(10), ms(30))
	// stock: 10 ms outside the internal span, 20 ms in it outside the query.

	b := NewBatch(td.SpanCount())
	topology.Walk(td, b)
	b.classify()
	self := map[string]time.Duration{}
	for _, s := range b.spans {
		if s.kind == ptrace.SpanKindServer {
			self[s.service] = s.self
		}
	}
	assert.Equal(t, map[string]time.Duration{"orders": 40 * time.Millisecond, "stock": 30 * time.Millisecond}, self)
}

// TestSelfTimeParentLoop: internal spans that name each other as parents
// (a damaged batch) do not hang the climb to their server span.
func TestSelfTimeParentLoop(t *testing.T) {
	td := ptrace.NewTraces()
	tid := pcommon.TraceID{2}
	a := timedSpan(td, "stock", tid, 0, 1, pcommon.SpanID{}, ptrace.SpanKindInternal)
	b := timedSpan(td, "stock", tid, 0, 2, a.SpanID(), ptrace.SpanKindInternal)
	a.SetParentSpanID(b.SpanID())
	setSpanTimes(a, t0.UnixNano(), t0.UnixNano()+int64(time.Millisecond))
	setSpanTimes(b, t0.UnixNano(), t0.UnixNano()+int64(2*time.Millisecond))
	tr := New(Config{})
	tr.Observe(td, t0)
	assert.Equal(t, uint64(2), tr.Stats().Spans)
}
