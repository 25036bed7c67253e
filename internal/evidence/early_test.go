package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestCallsBeforeTheirSpan: the chain frontend -> checkout -> payment,
// each service's spans in a batch of their own, half of the calls
// failing at payment for a minute; every third trace's checkout batch is
// cut as an SDK cuts it, in the order its spans ended: the call to
// payment (ended first) in one batch, checkout's server span in the
// next, a second later. Judged alone, checkout's failing server span has
// no failing call beneath it and reads as where errors begin; judged
// with the call that came before it, checkout reads as it does with
// whole batches: payment is the origin, once per failure.
func TestCallsBeforeTheirSpan(t *testing.T) {
	whole := New(Config{})
	now := feed(whole, 0.5)
	tr := New(Config{})
	feedCut(tr, now, true)
	require.True(t, tr.Origin("payment", now).Anomalous)
	assert.False(t, tr.Origin("checkout", now).Anomalous, "checkout's server spans are judged with the calls that came before them")
	assert.Equal(t, whole.Stats().Origins, tr.Stats().Origins, "each failure originates once")
	assert.NotZero(t, tr.Stats().EarlyAdopted)
	assert.Zero(t, tr.Stats().EarlyOverflow)
}

// TestEarlyCallsForgotten: early calls whose span never comes are
// forgotten after earlyTTL, and the store keeps its bound; a short call
// that did not fail is not remembered (earlyFloor).
func TestEarlyCallsForgotten(t *testing.T) {
	tr := New(Config{})
	at := t0
	cuts := func(fail bool) {
		for n := uint64(1); n <= 3; n++ {
			for _, td := range perService(call(n, fail), true) {
				if _, calls := cutBatch(td); calls.SpanCount() > 0 {
					tr.Observe(calls, at)
				}
			}
		}
	}
	cuts(false)
	require.Empty(t, tr.early.byKey, "short calls that did not fail")
	cuts(true)
	require.NotEmpty(t, tr.early.byKey)
	tr.Observe(ptrace.NewTraces(), at.Add(earlyTTL+time.Second))
	assert.Empty(t, tr.early.byKey, "forgotten after earlyTTL")
	for i := range maxEarly + 10 {
		tr.now = at.UnixNano()
		s := spanInfo{service: "checkout", kind: ptrace.SpanKindClient, failed: true}
		s.parent.span[0], s.parent.span[1] = byte(i), byte(i>>8)
		s.parent.trace[0] = byte(i >> 16)
		tr.remember(&s)
	}
	assert.Len(t, tr.early.byKey, maxEarly)
	assert.EqualValues(t, 10, tr.Stats().EarlyOverflow)
}

// TestEarlyQueueBounded: keys the store drops out of arrival order (an
// adopted call, a settled span) stay in its queue until compacted; with
// the store at its bound, the queue stays within twice it and keeps the
// live keys in order.
func TestEarlyQueueBounded(t *testing.T) {
	const bound = 64
	m := map[spanKey]int{}
	var q, keys []spanKey
	for i := range 10 * bound {
		var k spanKey
		k.span[0], k.span[1] = byte(i), byte(i>>8)
		keys = append(keys, k)
		m[k] = i
		if i%2 == 1 {
			delete(m, keys[i-1]) // taken out of order
		}
		if i >= bound {
			delete(m, keys[i-bound]) // the store's bound
		}
		q = append(compactKeys(q, m, bound), k)
		assert.LessOrEqual(t, len(q), 2*bound)
	}
	last := -1
	for _, k := range q {
		if i, ok := m[k]; ok {
			assert.Greater(t, i, last, "live keys stay in arrival order")
			last = i
		}
	}
	assert.Equal(t, len(m), func() int {
		n := 0
		for _, k := range q {
			if _, ok := m[k]; ok {
				n++
			}
		}
		return n
	}(), "every live key is still queued")
}
