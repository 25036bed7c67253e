package evidence

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Span attributes read.
const (
	attrServiceName = "service.name"
	attrPeerService = "peer.service"
	attrDBSystem    = "db.system"
)

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// spanInfo is what one span contributes.
type spanInfo struct {
	service     string
	peer        string // peer.service, else db.system, of an outgoing span
	kind        ptrace.SpanKind
	failed      bool
	failedChild bool
	hasChild    bool
	parent      spanKey
	trace       pcommon.TraceID
}

// Observe counts a batch of spans received at now. A parent and its child
// are matched within the batch (tier 1 receives a trace's spans of one
// service together; a child in another batch is not seen as a child).
func (t *Tracker) Observe(td ptrace.Traces, now time.Time) {
	spans, index := classify(td)
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	t.lastBatch = max(t.lastBatch, b)
	t.stats.Spans += uint64(len(spans))
	t.stats.ObservedBatchMax = max(t.stats.ObservedBatchMax, len(spans))
	for i := range spans {
		count(t, &spans[i], spans, index, b)
	}
}

// classify flattens the batch and marks each span's children, failing or not.
func classify(td ptrace.Traces) ([]spanInfo, map[spanKey]int) {
	spans, index := collect(td)
	for i := range spans {
		s := &spans[i]
		if j, ok := index[s.parent]; ok {
			p := &spans[j]
			p.hasChild = true
			if s.failed {
				p.failedChild = true
			}
		}
	}
	return spans, index
}

// sink receives what count finds: the Tracker's windows, or a Summarizer's
// deltas for a correlator elsewhere.
type sink interface {
	addOrigin(svc string, origin bool, trace pcommon.TraceID, b int64)
	addEdge(from, to string, failed bool, b int64)
}

// collect flattens the batch and indexes spans by (trace, span) ID.
func collect(td ptrace.Traces) ([]spanInfo, map[spanKey]int) {
	var spans []spanInfo
	index := map[spanKey]int{}
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		svc, _ := rs.Resource().Attributes().Get(attrServiceName)
		name := svc.Str()
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j).Spans()
			for k := range ss.Len() {
				sp := ss.At(k)
				info := spanInfo{
					service: name, kind: sp.Kind(), trace: sp.TraceID(),
					failed: sp.Status().Code() == ptrace.StatusCodeError,
					parent: spanKey{sp.TraceID(), sp.ParentSpanID()},
				}
				if info.kind == ptrace.SpanKindClient || info.kind == ptrace.SpanKindProducer {
					if v, ok := sp.Attributes().Get(attrPeerService); ok {
						info.peer = v.Str()
					} else if v, ok := sp.Attributes().Get(attrDBSystem); ok {
						info.peer = v.Str()
					}
				}
				index[spanKey{sp.TraceID(), sp.SpanID()}] = len(spans)
				spans = append(spans, info)
			}
		}
	}
	return spans, index
}

// count adds one span to its service's origin window and to its edge.
func count(t sink, s *spanInfo, spans []spanInfo, index map[spanKey]int, b int64) {
	origin := s.failed && !s.failedChild
	switch s.kind {
	case ptrace.SpanKindServer, ptrace.SpanKindConsumer:
		j, ok := index[s.parent]
		if !ok || spans[j].service == s.service {
			t.addOrigin(s.service, origin, s.trace, b)
			return
		}
		from := spans[j].service
		if s.kind == ptrace.SpanKindConsumer && spans[j].peer != "" {
			// Through a broker: the message came from a failed send.
			from = spans[j].peer
			origin = origin && !spans[j].failed
		}
		t.addOrigin(s.service, origin, s.trace, b)
		t.addEdge(from, s.service, s.failed, b)
	case ptrace.SpanKindProducer:
		if s.peer != "" {
			// The broker has no spans: a failed send with no failed
			// consumer beneath it fails in the broker.
			t.addOrigin(s.peer, s.failed, s.trace, b)
			t.addEdge(s.service, s.peer, s.failed, b)
		}
	case ptrace.SpanKindClient:
		if s.hasChild || s.peer == "" {
			return // the callee's own span speaks for the call
		}
		// A call into a peer with no spans of its own (a database) or
		// whose server half is elsewhere.
		t.addOrigin(s.peer, origin, s.trace, b)
		t.addEdge(s.service, s.peer, s.failed, b)
	}
}

func (t *Tracker) addEdge(from, to string, failed bool, b int64) {
	if w := t.edge(from, to, b); w != nil {
		w.add(b, failed, t.th)
	}
}

func (t *Tracker) addOrigin(svc string, origin bool, trace pcommon.TraceID, b int64) {
	w := t.service(svc, b)
	if w == nil {
		return
	}
	w.add(b, origin, t.th)
	if origin {
		t.stats.Origins++
		w.exemplar = trace
	}
}
