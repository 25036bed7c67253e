package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/topology"
)

// byResource cuts td into one batch per resource (per span, for
// ChainTraces).
func byResource(td ptrace.Traces) []ptrace.Traces {
	out := make([]ptrace.Traces, 0, td.ResourceSpans().Len())
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		one := ptrace.NewTraces()
		td.ResourceSpans().At(i).CopyTo(one.ResourceSpans().AppendEmpty())
		out = append(out, one)
	}
	return out
}

// TestSplitBatchExplainedLater: frontend -> checkout -> payment, half the
// calls failing at payment for a minute, each span in a batch of its own
// and every outgoing call of checkout's arriving a second after its
// server span (an SDK batch closing mid-trace). Checkout's failing server
// span looks childless in its batch; the client span that comes later
// takes its origin back: payment is where errors originate, checkout and
// frontend are not, as with whole traces.
func TestSplitBatchExplainedLater(t *testing.T) {
	whole := New(Config{})
	now := feed(whole, 0.5)
	tr := New(Config{})
	l := topology.NewLearner(topology.New(topology.Config{}), topology.LearnerConfig{})
	observe := func(td ptrace.Traces, at time.Time) {
		b := NewBatch(td.SpanCount())
		l.ObserveWith(td, at, b)
		tr.ObserveBatch(b, at)
	}
	var held []ptrace.Traces
	n := uint64(0)
	for at := t0; at.Before(now); at = at.Add(time.Second) {
		for _, td := range held {
			observe(td, at)
		}
		held = held[:0]
		n++
		fail := !at.Before(t0.Add(10*time.Minute)) && float64(n%10) < 5
		for _, td := range byResource(call(n, fail)) {
			sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
			svc, _ := td.ResourceSpans().At(0).Resource().Attributes().Get("service.name")
			if svc.Str() == "checkout" && sp.Kind() == ptrace.SpanKindClient {
				held = append(held, td)
				continue
			}
			observe(td, at)
		}
	}
	o := tr.Origin("payment", now)
	require.True(t, o.Anomalous)
	assert.False(t, tr.Origin("checkout", now).Anomalous, "checkout's calls came in the next batch")
	assert.False(t, tr.Origin("frontend", now).Anomalous)
	assert.NotZero(t, tr.Stats().Explained)
	assert.LessOrEqual(t, tr.Stats().Suspects, maxSuspects)
}

// TestSuspectsBounded: the store forgets the oldest suspect when full,
// and counts it.
func TestSuspectsBounded(t *testing.T) {
	tr := New(Config{})
	at := t0
	for n := uint64(0); n < maxSuspects+10; n++ {
		// payment's failing server spans, childless: each a suspect.
		td := byResource(call(n, true))[4]
		b := NewBatch(1)
		topology.NewLearner(topology.New(topology.Config{}), topology.LearnerConfig{}).ObserveWith(td, at, b)
		tr.ObserveBatch(b, at)
	}
	assert.Equal(t, maxSuspects, tr.Stats().Suspects)
	assert.Equal(t, uint64(10), tr.Stats().SuspectOverflow)
}
