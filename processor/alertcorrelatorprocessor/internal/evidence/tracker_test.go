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

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// call adds one frontend -> checkout -> payment trace to td; payment fails
// (and the failure travels up) when fail is set.
func call(td ptrace.Traces, n uint64, fail bool) {
	var tid pcommon.TraceID
	binary.BigEndian.PutUint64(tid[8:], n)
	id := func(k uint64) pcommon.SpanID {
		var s pcommon.SpanID
		binary.BigEndian.PutUint64(s[:], n*10+k)
		return s
	}
	add := func(svc string, kind ptrace.SpanKind, self, parent uint64, failed bool) {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", svc)
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetTraceID(tid)
		sp.SetSpanID(id(self))
		if parent > 0 {
			sp.SetParentSpanID(id(parent))
		}
		sp.SetKind(kind)
		if failed {
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	add("frontend", ptrace.SpanKindServer, 1, 0, fail)
	add("frontend", ptrace.SpanKindClient, 2, 1, fail)
	add("checkout", ptrace.SpanKindServer, 3, 2, fail)
	add("checkout", ptrace.SpanKindClient, 4, 3, fail)
	add("payment", ptrace.SpanKindServer, 5, 4, fail)
}

// feed sends a minute of healthy traffic, then a minute where share of the
// calls fail at payment.
func feed(tr *Tracker, share float64) time.Time {
	n := uint64(0)
	at := t0
	for ; at.Before(t0.Add(10 * time.Minute)); at = at.Add(time.Second) {
		td := ptrace.NewTraces()
		n++
		call(td, n, false)
		tr.Observe(td, at)
	}
	for end := at.Add(time.Minute); at.Before(end); at = at.Add(time.Second) {
		td := ptrace.NewTraces()
		n++
		call(td, n, float64(n%10) < share*10)
		tr.Observe(td, at)
	}
	return at
}

func TestOriginAndLinks(t *testing.T) {
	tr := New(Config{})
	now := feed(tr, 0.5)

	o := tr.Origin("payment", now)
	assert.True(t, o.Anomalous)
	assert.InDelta(t, 0.5, o.Rate, 0.1)
	assert.Len(t, o.Exemplar, 32)
	// checkout and frontend fail only because payment does.
	assert.False(t, tr.Origin("checkout", now).Anomalous)
	assert.False(t, tr.Origin("frontend", now).Anomalous)

	assert.Equal(t, Linked, tr.Link("frontend", "payment", 3, now))
	assert.Equal(t, Linked, tr.Link("checkout", "payment", 1, now))
	assert.Equal(t, Unknown, tr.Link("frontend", "payment", 1, now), "one hop is not enough to reach payment")
	line := tr.Line("payment", []string{"checkout", "frontend", "payment"}, 3, now)
	assert.Contains(t, line, "errors originate in payment: ")
	assert.Contains(t, line, "2 of 2 alerting services' errors pass through payment")
}

func TestHealthyTrafficIsNoEvidence(t *testing.T) {
	tr := New(Config{})
	now := feed(tr, 0)
	assert.False(t, tr.Origin("payment", now).Anomalous)
	assert.Equal(t, Unlinked, tr.Link("checkout", "payment", 1, now))
	assert.Empty(t, tr.Line("payment", []string{"checkout", "payment"}, 3, now))
	// A minute later the window is empty, not anomalous.
	assert.False(t, tr.Known("payment", now.Add(2*time.Minute)))
}

func TestFaultDoesNotBecomeItsOwnBaseline(t *testing.T) {
	tr := New(Config{})
	now := feed(tr, 0.5)
	// Ten more minutes of the same fault.
	n := uint64(100000)
	for end := now.Add(10 * time.Minute); now.Before(end); now = now.Add(time.Second) {
		td := ptrace.NewTraces()
		n++
		call(td, n, n%2 == 0)
		tr.Observe(td, now)
	}
	o := tr.Origin("payment", now)
	assert.True(t, o.Anomalous, "baseline %.3f", o.Baseline)
	assert.Less(t, o.Baseline, 0.05)
}

func TestBoundsCountOverflow(t *testing.T) {
	tr := New(Config{MaxServices: 2, MaxEdges: 1})
	td := ptrace.NewTraces()
	call(td, 1, false)
	tr.Observe(td, t0)
	st := tr.Stats()
	assert.Equal(t, 2, st.Services)
	assert.Equal(t, 1, st.Edges)
	assert.Equal(t, uint64(1), st.ServiceOverflow)
	assert.Equal(t, uint64(1), st.EdgeOverflow)
	// Ten windows later the silent entries make room.
	td = ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "ledger")
	rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetKind(ptrace.SpanKindServer)
	tr.Observe(td, t0.Add(11*time.Minute))
	st = tr.Stats()
	require.Equal(t, 1, st.Services)
	assert.Equal(t, uint64(2), st.EvictedServices)
	assert.Equal(t, uint64(1), st.ServiceOverflow)
}
