package evidence

import "github.com/quell-otel/quell/internal/topology"

// A batch holds a trace's spans of the services that exported them
// together. Where each service exports its own (an SDK per process, a
// node's agent before a gateway), a call's client span and its server
// span arrive in different batches, and count, which matches a child to
// its parent within the batch, sees neither as the other's: each server
// span counts as a request from nowhere, and no edge learns of the call.
// The learner already pairs the two halves across batches, in its bounded
// store (max_pending_spans, pending_ttl); it tells the batch of each pair
// it completes (topology.PairVisitor), and countPairs counts those calls
// on their edges as count does a pair within a batch. What count cannot
// do for them: a consumer's origin under a refused send is counted before
// its send is known, and a caller's failing child is not known either.

// VisitPair keeps a pair the learner met across batches.
func (b *Batch) VisitPair(p *topology.Pair) {
	b.pairs = append(b.pairs, *p)
}

// countPairs counts, on its edge, each call of the batch whose other half
// came in an earlier batch.
func countPairs(t sink, batch *Batch, b int64) {
	for i := range batch.pairs {
		p := &batch.pairs[i]
		if p.Messaging {
			// As count does for a consumer under its send: the message
			// came from the broker when the producer named one.
			from := p.Caller
			if p.Broker != "" {
				from = p.Broker
			}
			t.addEdge(from, p.Callee, p.CalleeFailed, 0, p.Trace, b)
			continue
		}
		if p.CallerPeer == p.Callee {
			continue // count counted it from the client span's peer.service
		}
		t.addEdge(p.Caller, p.Callee, p.CallerFailed || p.CalleeFailed, p.Duration, p.Trace, b)
	}
}
