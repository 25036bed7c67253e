package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/topology"
)

// cutBatch cuts a batch of one service's spans of a trace in two, its
// server span in the first and its calls in the second, as a batch
// closing mid-trace does.
func cutBatch(td ptrace.Traces) (first, second ptrace.Traces) {
	first, second = ptrace.NewTraces(), ptrace.NewTraces()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		to := second
		if rss.At(i).ScopeSpans().At(0).Spans().At(0).Kind() == ptrace.SpanKindServer {
			to = first
		}
		rss.At(i).CopyTo(to.ResourceSpans().AppendEmpty())
	}
	return first, second
}

// TestSplitBatchHeldUntilItsCalls: the chain frontend -> checkout ->
// payment, each service's spans in a batch of their own, half of the
// calls failing at payment for a minute; every third trace's checkout
// batch is cut, its server span in one batch and its call to payment in
// the next, a second later. Checkout's failing server spans then come
// without the failing call beneath them: counted at once, checkout reads
// as where errors begin. Held until their calls come, checkout reads as
// it does with whole batches: payment is the origin, once per failure.
func TestSplitBatchHeldUntilItsCalls(t *testing.T) {
	whole := New(Config{})
	now := feed(whole, 0.5)
	run := func(hold time.Duration) *Tracker {
		tr := New(Config{Hold: hold})
		feedCut(tr, now, false)
		return tr
	}
	held := run(0)
	require.True(t, held.Origin("payment", now).Anomalous)
	assert.False(t, held.Origin("checkout", now).Anomalous, "checkout's cut spans are judged with their calls")
	assert.Equal(t, whole.Stats().Origins, held.Stats().Origins, "each failure originates once")
	assert.NotZero(t, held.Stats().HeldSettled)
	assert.Zero(t, held.Stats().HeldOverflow)
	assert.True(t, run(-1).Origin("checkout", now).Anomalous, "counted at once, checkout reads as an origin")
}

// feedCut feeds tr the chain frontend -> checkout -> payment until now
// through a learner, each service's spans in a batch of their own, half
// of the calls failing at payment from the tenth minute; every third
// trace's checkout batch is cut in two, the second part a second later:
// its server span first, or, callsFirst, its calls first (an SDK queues
// a span when it ends).
func feedCut(tr *Tracker, now time.Time, callsFirst bool) {
	l := topology.NewLearner(topology.New(topology.Config{}), topology.LearnerConfig{})
	observe := func(td ptrace.Traces, at time.Time) {
		b := NewBatch(td.SpanCount())
		l.ObserveWith(td, at, b)
		tr.ObserveBatch(b, at)
	}
	var rest []ptrace.Traces
	n := uint64(0)
	for at := t0; at.Before(now); at = at.Add(time.Second) {
		n++
		fail := !at.Before(t0.Add(10*time.Minute)) && float64(n%10) < 5
		for _, td := range rest {
			observe(td, at)
		}
		rest = rest[:0]
		for _, td := range perService(call(n, fail), true) {
			svc, _ := td.ResourceSpans().At(0).Resource().Attributes().Get("service.name")
			if svc.Str() != "checkout" || n%3 != 0 {
				observe(td, at)
				continue
			}
			first, second := cutBatch(td)
			if callsFirst {
				first, second = second, first
			}
			observe(first, at)
			rest = append(rest, second)
		}
	}
}

// TestHeldVerdictCountsWhenTheHoldPasses: a cut checkout batch whose rest
// never comes counts as it would have at once, in the bucket of its
// arrival, once the hold has passed: by the next batch, or by a reading
// with no batch in between. Nothing is held before a service's batches
// come cut, nor a leaf service's childless spans; the store keeps its
// bound.
func TestHeldVerdictCountsWhenTheHoldPasses(t *testing.T) {
	tr := New(Config{})
	n := uint64(0)
	at := t0
	for ; at.Before(t0.Add(5 * time.Minute)); at = at.Add(time.Second) {
		n++
		tr.Observe(call(n, false), at)
	}
	// Each service's spans of a trace in one batch: nothing is held.
	n++
	for _, td := range perService(call(n, true), true) {
		tr.Observe(td, at)
	}
	assert.Zero(t, tr.Stats().Held, "no batch came cut")
	// A cut batch of checkout's: its call comes without its parent.
	n++
	for _, td := range perService(call(n, false), true) {
		svc, _ := td.ResourceSpans().At(0).Resource().Attributes().Get("service.name")
		if svc.Str() == "checkout" {
			_, td = cutBatch(td)
		}
		tr.Observe(td, at)
	}
	n++
	for _, td := range perService(call(n, true), true) {
		svc, _ := td.ResourceSpans().At(0).Resource().Attributes().Get("service.name")
		if svc.Str() == "checkout" {
			td, _ = cutBatch(td)
		}
		tr.Observe(td, at)
	}
	st := tr.Stats()
	assert.Equal(t, uint64(1), st.Held, "checkout's cut span waits; payment's, a leaf's, does not")
	before := st.Origins
	tr.Origin("checkout", at.Add(DefaultHold))
	assert.Equal(t, before, tr.Stats().Origins, "within the hold")
	tr.Origin("checkout", at.Add(DefaultHold+time.Millisecond))
	assert.Equal(t, before+1, tr.Stats().Origins, "the hold passed: counted as at once")
	assert.Empty(t, tr.held.byKey)

	tr.mu.Lock()
	tr.held.byKey = nil
	for i := range maxHeld + 10 {
		s := spanInfo{service: "checkout", kind: ptrace.SpanKindServer, failed: true, id: [8]byte{byte(i), byte(i >> 8), 1}}
		tr.holdSpan(&s, true, bucketOf(at, tr.cfg.Bucket))
	}
	assert.Len(t, tr.held.byKey, maxHeld)
	assert.Equal(t, uint64(10), tr.stats.HeldOverflow)
	tr.mu.Unlock()
}
