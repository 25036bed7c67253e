package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

// perService splits td (ChainTraces': a resource per span) into one batch
// per service, as a gateway receives spans exported by each service's own
// SDK; without peer, the client spans name no peer.service.
func perService(td ptrace.Traces, peer bool) []ptrace.Traces {
	out := alertscenario.ByService(td)
	for _, one := range out {
		if peer {
			continue
		}
		rss := one.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			rss.At(i).ScopeSpans().At(0).Spans().At(0).Attributes().Remove("peer.service")
		}
	}
	return out
}

// TestPairsAcrossBatches: the chain frontend -> checkout -> payment, with
// half of the calls failing at payment for a minute, each service's spans
// in a batch of its own. Fed through the learner's walk (the processor's
// way), the tracker reads what it reads of whole traces: payment is where
// errors originate, once per failure, checkout and frontend are not, and
// the failures travel along checkout -> payment; with the client spans'
// peer.service and without it. Without the learner's pairs, a client span
// that names no peer links checkout to nothing.
func TestPairsAcrossBatches(t *testing.T) {
	whole := New(Config{})
	now := feed(whole, 0.5)
	run := func(pairs, peer bool) *Tracker {
		tr := New(Config{})
		l := topology.NewLearner(topology.New(topology.Config{}), topology.LearnerConfig{})
		n := uint64(0)
		for at := t0; at.Before(now); at = at.Add(time.Second) {
			n++
			fail := !at.Before(t0.Add(10*time.Minute)) && float64(n%10) < 5
			for _, td := range perService(call(n, fail), peer) {
				b := NewBatch(td.SpanCount())
				l.ObserveWith(td, at, b)
				if !pairs {
					b.pairs = b.pairs[:0]
				}
				tr.ObserveBatch(b, at)
			}
		}
		return tr
	}
	for _, peer := range []bool{true, false} {
		tr := run(true, peer)
		o := tr.Origin("payment", now)
		require.True(t, o.Anomalous, "peer.service %v", peer)
		assert.InDelta(t, whole.Origin("payment", now).Rate, o.Rate, 0.02, "peer.service %v", peer)
		assert.False(t, tr.Origin("checkout", now).Anomalous, "peer.service %v", peer)
		assert.False(t, tr.Origin("frontend", now).Anomalous, "peer.service %v", peer)
		assert.Equal(t, whole.Link("checkout", "payment", 1, now), tr.Link("checkout", "payment", 1, now), "peer.service %v", peer)
		assert.Equal(t, whole.Stats().Origins, tr.Stats().Origins, "peer.service %v: each failure originates once", peer)
	}
	assert.Equal(t, Linked, whole.Link("checkout", "payment", 1, now))
	assert.Equal(t, Unknown, run(false, false).Link("checkout", "payment", 1, now), "no pair, no peer: no edge")
}
