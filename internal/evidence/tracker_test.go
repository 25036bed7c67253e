package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

var chain = []string{"frontend", "checkout", "payment"}

// call is one frontend -> checkout -> payment request (trace n); payment
// fails (and the failure travels up) when fail is set.
func call(n uint64, fail bool) ptrace.Traces {
	return alertscenario.ChainTraces(chain, 1, n, t0, func(uint64) bool { return fail })
}

// feed sends a minute of healthy traffic, then a minute where share of the
// calls fail at payment.
func feed(tr *Tracker, share float64) time.Time {
	n := uint64(0)
	at := t0
	for ; at.Before(t0.Add(10 * time.Minute)); at = at.Add(time.Second) {
		n++
		tr.Observe(call(n, false), at)
	}
	for end := at.Add(time.Minute); at.Before(end); at = at.Add(time.Second) {
		n++
		tr.Observe(call(n, float64(n%10) < share*10), at)
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
		n++
		tr.Observe(call(n, n%2 == 0), now)
	}
	o := tr.Origin("payment", now)
	assert.True(t, o.Anomalous, "baseline %.3f", o.Baseline)
	assert.Less(t, o.Baseline, 0.05)
}

func TestBoundsCountOverflow(t *testing.T) {
	tr := New(Config{MaxServices: 2, MaxEdges: 1})
	tr.Observe(call(1, false), t0)
	st := tr.Stats()
	assert.Equal(t, 2, st.Services)
	assert.Equal(t, 1, st.Edges)
	assert.Equal(t, uint64(1), st.ServiceOverflow)
	assert.Equal(t, uint64(1), st.EdgeOverflow)
	// Ten windows later the silent entries make room.
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "ledger")
	rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetKind(ptrace.SpanKindServer)
	tr.Observe(td, t0.Add(11*time.Minute))
	st = tr.Stats()
	require.Equal(t, 1, st.Services)
	assert.Equal(t, uint64(2), st.EvictedServices)
	assert.Equal(t, uint64(1), st.ServiceOverflow)
}

// TestUnexplained: checkout's origins count as its own cause only when
// they outnumber its failing calls (a caller's client spans that reached
// the tracker apart from its server spans leave origins behind, but never
// more than the calls that failed).
func TestUnexplained(t *testing.T) {
	for _, tt := range []struct {
		name            string
		checkout, calls func(uint64) bool
		want            bool
	}{
		{"no origins", nil, nil, false},
		{"origins, healthy calls", odd, nil, true},
		{"as many failing calls", odd, odd, false},
		{"more origins than failing calls", func(uint64) bool { return true }, odd, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(Config{})
			at := t0
			for n := uint64(0); n < 660; n++ {
				var co, pay func(uint64) bool
				if n >= 600 {
					co, pay = tt.checkout, tt.calls
				}
				// Requests ending in checkout, and checkout's calls to
				// payment in traces of their own.
				tr.Observe(alertscenario.ChainTraces([]string{"frontend", "checkout"}, 2, 2*n, at, co), at)
				tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, 10000+2*n, at, pay), at)
				at = at.Add(time.Second)
			}
			assert.Equal(t, tt.want, tr.Unexplained("checkout", at))
			assert.False(t, tr.Unexplained("frontend", at))
		})
	}
}

func odd(k uint64) bool { return k%2 == 1 }

// TestStricterReadingDoesNotTeachTheBaseline: a bucket anomalous at the
// tracker's bar leaves the window without becoming the baseline, whether
// the first reading after it is Originating or the stricter
// OriginatingAmong.
func TestStricterReadingDoesNotTeachTheBaseline(t *testing.T) {
	for _, among := range []bool{false, true} {
		tr := New(Config{})
		w := newWindow(tr.cfg.Buckets)
		tr.svc["payment"] = w
		// 4 of 40 fail: an anomaly at the tracker's 3 failures, not at
		// OriginatingAmong's 6.
		w.addN(bucketOf(t0, tr.cfg.Bucket), 40, 4, tr.th)
		later := t0.Add(tr.Window() + tr.cfg.Bucket)
		if among {
			tr.OriginatingAmong([]string{"payment"}, later)
		} else {
			tr.Originating([]string{"payment"}, later)
		}
		assert.InDelta(t, priorRate, w.baseline, 1e-12, "among=%v", among)
	}
}
