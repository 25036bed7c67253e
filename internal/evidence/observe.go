package evidence

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/topology"
)

// Observe counts a batch of spans received at now. A parent and its child
// are matched within the batch (tier 1 receives a trace's spans of one
// service together); a span whose calls may follow in the next batch
// waits for them a moment (held.go).
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
	t.now, t.batch = now.UnixNano(), batch
	t.settle(batch, b)
	t.adopt(batch)
	t.expire(t.now)
	for i := range spans {
		count(t, &spans[i], batch, b)
	}
	countPairs(t, batch, b)
	t.noteThrough(batch)
	t.restore(batch)
	t.batch = nil
}

// classify links each span to its parent in the batch, marks its
// children, failing or not, and works out its self time.
func (b *Batch) classify() {
	if b.classified {
		return
	}
	for i := range b.spans {
		s := &b.spans[i]
		if j, ok := b.find(s.parent); ok && j != i {
			p := &b.spans[j]
			if s.failed {
				p.failedChild = true
			}
			s.up = int32(j) + 1
			s.sibling, p.child = p.child, int32(i)+1
		}
	}
	b.selfTimes()
	b.classified = true
}

// parentOf returns the index of s's parent in the batch.
func (b *Batch) parentOf(s *spanInfo) (int, bool) { return int(s.up) - 1, s.up != 0 }

// sink receives what count finds: the Tracker's windows, or a Summarizer's
// deltas for a correlator elsewhere.
type sink interface {
	// addOrigin counts one span of svc: own when it is svc's own (a
	// server or consumer span) rather than a caller's view of a peer; its
	// duration d, its self time
	// (d less its calls), and whether its error originates there.
	addOrigin(svc string, own, origin bool, d, self time.Duration, trace pcommon.TraceID, b int64)
	// addEdge counts one call from -> to, taking d (0: not timed).
	addEdge(from, to string, failed bool, d time.Duration, trace pcommon.TraceID, b int64)
	// serves reports whether svc has sent spans of its own (addOrigin's
	// own).
	serves(svc string) bool
	// hold keeps the verdict of s, a server or consumer span counting
	// origin if it fails, for when the rest of its calls come (held.go),
	// and reports whether it did; its addOrigin then waits.
	hold(s *spanInfo, origin bool, b int64) bool
}

// count adds one span to its service's origin window and to its edge.
func count(t sink, s *spanInfo, batch *Batch, b int64) {
	origin := s.failed && !s.failedChild
	tid := s.parent.trace
	switch s.kind {
	case ptrace.SpanKindServer, ptrace.SpanKindConsumer:
		spans := batch.spans
		j, ok := batch.parentOf(s)
		if !ok || spans[j].service == s.service {
			if !t.hold(s, origin, b) {
				t.addOrigin(s.service, true, origin, s.dur, s.self, tid, b)
			}
			return
		}
		p := &spans[j]
		from, failed, d := p.service, s.failed, time.Duration(0)
		switch {
		case s.kind == ptrace.SpanKindConsumer && p.peer != "":
			// Through a broker: the message came from a failed send.
			from = p.peer
			origin = origin && !p.failed
		case p.kind == ptrace.SpanKindClient:
			// The call as its caller saw it: a timeout fails the client
			// span alone.
			failed, d = failed || p.failed, p.dur
		}
		if !t.hold(s, origin, b) {
			t.addOrigin(s.service, true, origin, s.dur, s.self, tid, b)
		}
		t.addEdge(from, s.service, failed, d, tid, b)
	case ptrace.SpanKindProducer:
		if s.peer != "" {
			// The broker has no spans: a failed send with no failed
			// consumer beneath it fails in the broker, and a send takes
			// the broker's time.
			t.addOrigin(s.peer, false, s.failed, s.dur, s.dur, tid, b)
			t.addEdge(s.service, s.peer, s.failed, s.dur, tid, b)
		}
	case ptrace.SpanKindClient:
		if s.child != 0 || s.peer == "" {
			return // the callee's own span speaks for the call
		}
		// A call into a peer with no spans of its own (a database) or
		// whose server half is elsewhere: the call's time is the peer's.
		// A peer that sends spans of its own (in other batches, where
		// each service exports its own) counts its origins from them: a
		// failing call to it says nothing of where the failure began.
		if !t.serves(s.peer) {
			t.addOrigin(s.peer, false, origin, s.dur, s.dur, tid, b)
		}
		t.addEdge(s.service, s.peer, s.failed, s.dur, tid, b)
	}
}

func (t *Tracker) addEdge(from, to string, failed bool, d time.Duration, trace pcommon.TraceID, b int64) {
	w := t.edge(from, to, b)
	if w == nil {
		return
	}
	w.add(b, failed, t.th)
	if d > 0 {
		w.timed(t.cfg.Buckets).add(b, d, trace, t.th)
	}
}

func (t *Tracker) addOrigin(svc string, own, origin bool, d, self time.Duration, trace pcommon.TraceID, b int64) {
	w := t.service(svc, b)
	if w == nil {
		return
	}
	w.served = w.served || own
	w.timed(t.cfg.Buckets).add(b, d, trace, t.th)
	if w.self == nil {
		w.self = newLatency(t.cfg.Buckets)
	}
	if w.self.add(b, self, trace, t.th) {
		t.stats.SlowSelf++
	}
	w.add(b, origin, t.th)
	if origin {
		t.stats.Origins++
		w.exemplar = trace
	}
}

// serves reads the window of svc: has it sent spans of its own.
func (t *Tracker) serves(svc string) bool {
	w := t.svc[svc]
	return w != nil && w.served
}
