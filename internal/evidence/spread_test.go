package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// steadyCall is one timed frontend -> checkout -> payment request; payment's
// server span fails (an error with no failing child) when fail is set.
func steadyCall(n uint64, at time.Time, fail bool) ptrace.Traces {
	td := timedChain(n, at, []time.Duration{4 * time.Millisecond, 6 * time.Millisecond, 10 * time.Millisecond})
	if !fail {
		return td
	}
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		if v, _ := rs.Resource().Attributes().Get("service.name"); v.Str() != "payment" {
			continue
		}
		spans := rs.ScopeSpans().At(0).Spans()
		for j := range spans.Len() {
			if s := spans.At(j); s.Kind() == ptrace.SpanKindServer {
				s.Status().SetCode(ptrace.StatusCodeError)
			}
		}
	}
	return td
}

// TestOneFailureInAThinWindowIsBeyondSpread: a service seen a dozen times a
// window, one of whose spans just failed, reads quiet (one failure is no
// anomaly) but fails beyond its spread: its baseline expects a tenth of a
// failure. A busy service keeps the failures its baseline explains.
func TestOneFailureInAThinWindowIsBeyondSpread(t *testing.T) {
	tr := New(Config{})
	at, n := t0, uint64(0)
	for ; at.Before(t0.Add(11 * time.Minute)); at = at.Add(5 * time.Second) {
		n++
		tr.Observe(steadyCall(n, at, false), at)
	}
	assert.True(t, tr.Quiet("payment", at), "a dozen healthy spans a window")
	assert.False(t, tr.FailsBeyondSpread("payment", at))
	n++
	tr.Observe(steadyCall(n, at, true), at)
	assert.False(t, tr.Origin("payment", at).Anomalous, "one failure is no anomaly")
	assert.True(t, tr.Quiet("payment", at), "nor does it end Quiet")
	assert.True(t, tr.FailsBeyondSpread("payment", at), "one failure in a dozen spans")
	assert.False(t, tr.FailsBeyondSpread("frontend", at), "frontend's own spans did not fail")

	busy := New(Config{})
	at, n = t0, 0
	for ; at.Before(t0.Add(11 * time.Minute)); at = at.Add(time.Second) {
		n++
		busy.Observe(steadyCall(n, at, n%100 == 0), at)
	}
	assert.False(t, busy.FailsBeyondSpread("payment", at), "one failure in a hundred, its baseline")
}
