package evidence

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/topology"
)

// Observe counts a batch of spans received at now. A parent and its child
// are matched within the batch (tier 1 receives a trace's spans of one
// service together; a child in another batch is not seen as a child).
func (t *Tracker) Observe(td ptrace.Traces, now time.Time) {
	b := NewBatch(td.SpanCount())
	topology.Walk(td, b)
	t.ObserveBatch(b, now)
}

// ObserveBatch counts a batch filled by a walk (Observe's, or the
// learner's), received at now.
func (t *Tracker) ObserveBatch(batch *Batch, now time.Time) {
	batch.classify()
	spans := batch.spans
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	t.lastBatch = max(t.lastBatch, b)
	t.stats.Spans += uint64(len(spans))
	t.stats.ObservedBatchMax = max(t.stats.ObservedBatchMax, len(spans))
	for i := range spans {
		count(t, &spans[i], batch, b)
	}
}

// classify marks each span's children, failing or not.
func (b *Batch) classify() {
	if b.classified {
		return
	}
	for i := range b.spans {
		s := &b.spans[i]
		if j, ok := b.find(s.parent); ok {
			p := &b.spans[j]
			p.hasChild = true
			if s.failed {
				p.failedChild = true
			}
		}
	}
	b.classified = true
}

// sink receives what count finds: the Tracker's windows, or a Summarizer's
// deltas for a correlator elsewhere.
type sink interface {
	// addOrigin counts one span of svc, taking d, and whether its error
	// originates there.
	addOrigin(svc string, origin bool, d time.Duration, trace pcommon.TraceID, b int64)
	addEdge(from, to string, failed bool, b int64)
}

// count adds one span to its service's origin window and to its edge.
func count(t sink, s *spanInfo, batch *Batch, b int64) {
	origin := s.failed && !s.failedChild
	switch s.kind {
	case ptrace.SpanKindServer, ptrace.SpanKindConsumer:
		spans := batch.spans
		j, ok := batch.find(s.parent)
		if !ok || spans[j].service == s.service {
			t.addOrigin(s.service, origin, s.dur, s.parent.trace, b)
			return
		}
		from := spans[j].service
		if s.kind == ptrace.SpanKindConsumer && spans[j].peer != "" {
			// Through a broker: the message came from a failed send.
			from = spans[j].peer
			origin = origin && !spans[j].failed
		}
		t.addOrigin(s.service, origin, s.dur, s.parent.trace, b)
		t.addEdge(from, s.service, s.failed, b)
	case ptrace.SpanKindProducer:
		if s.peer != "" {
			// The broker has no spans: a failed send with no failed
			// consumer beneath it fails in the broker.
			t.addOrigin(s.peer, s.failed, s.dur, s.parent.trace, b)
			t.addEdge(s.service, s.peer, s.failed, b)
		}
	case ptrace.SpanKindClient:
		if s.hasChild || s.peer == "" {
			return // the callee's own span speaks for the call
		}
		// A call into a peer with no spans of its own (a database) or
		// whose server half is elsewhere.
		t.addOrigin(s.peer, origin, s.dur, s.parent.trace, b)
		t.addEdge(s.service, s.peer, s.failed, b)
	}
}

func (t *Tracker) addEdge(from, to string, failed bool, b int64) {
	if w := t.edge(from, to, b); w != nil {
		w.add(b, failed, t.th)
	}
}

func (t *Tracker) addOrigin(svc string, origin bool, d time.Duration, trace pcommon.TraceID, b int64) {
	w := t.service(svc, b)
	if w == nil {
		return
	}
	if w.lat == nil {
		w.lat = &latency{win: newWindow(t.cfg.Buckets)}
		w.lat.win.learnAll = true
	}
	w.lat.add(b, d, t.th)
	w.add(b, origin, t.th)
	if origin {
		t.stats.Origins++
		w.exemplar = trace
	}
}
