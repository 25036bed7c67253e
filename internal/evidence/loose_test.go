package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestOwnErrorsAt: checkout's origins are errors of its own when they
// outnumber its failing calls that reached the tracker apart from their
// parent span. Its own errors beside as many failing calls into payment,
// in whole traces, are its own (Unexplained reads them as a caller's);
// a trace split between two batches, checkout's server span in one and
// its failing call in the other, leaves origins behind, never more than
// such calls.
func TestOwnErrorsAt(t *testing.T) {
	for _, tt := range []struct {
		name            string
		checkout, calls func(uint64) bool
		split           bool
		own, unexpl     bool
	}{
		{"no origins", nil, nil, false, false, false},
		{"origins, healthy calls", odd, nil, false, true, true},
		{"own errors beside as many failing calls", odd, odd, false, true, false},
		{"failing calls split from their parent span", nil, odd, true, false, false},
		{"more origins than split failing calls", func(uint64) bool { return true }, odd, true, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(Config{})
			at := t0
			for n := uint64(0); n < 660; n++ {
				var co, pay func(uint64) bool
				if n >= 600 {
					co, pay = tt.checkout, tt.calls
				}
				// Requests ending in checkout, and requests through
				// checkout to payment, whole or split after checkout's
				// server span.
				tr.Observe(alertscenario.ChainTraces([]string{"frontend", "checkout"}, 2, 2*n, at, co), at)
				td := alertscenario.ChainTraces(chain, 2, 10000+2*n, at, pay)
				if !tt.split {
					tr.Observe(td, at)
				} else {
					head, tail := splitAfterServer(td, "checkout")
					tr.Observe(head, at)
					tr.Observe(tail, at)
				}
				at = at.Add(time.Second)
			}
			assert.Equal(t, tt.own, tr.OwnErrorsAt("checkout", at, at))
			assert.Equal(t, tt.unexpl, tr.Unexplained("checkout", at))
			assert.False(t, tr.OwnErrorsAt("frontend", at, at))
			assert.False(t, tr.OwnErrorsAt("checkout", at.Add(-2*time.Minute), at), "an onset out of the window reads nothing")
		})
	}
}

// splitAfterServer parts a chain's spans into two batches: everything up
// to svc's server span, and what follows (svc's client span and below),
// as a batch cut mid-trace delivers them.
func splitAfterServer(td ptrace.Traces, svc string) (head, tail ptrace.Traces) {
	head, tail = ptrace.NewTraces(), ptrace.NewTraces()
	after := false
	for i := range td.ResourceSpans().Len() {
		rs := td.ResourceSpans().At(i)
		sp := rs.ScopeSpans().At(0).Spans().At(0)
		if sp.ParentSpanID().IsEmpty() {
			after = false // a new trace
		}
		dst := head
		if after {
			dst = tail
		}
		rs.CopyTo(dst.ResourceSpans().AppendEmpty())
		n, _ := rs.Resource().Attributes().Get("service.name")
		if n.Str() == svc && sp.Kind() == ptrace.SpanKindServer {
			after = true
		}
	}
	return head, tail
}
