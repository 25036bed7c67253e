package topology

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Span is what the span readers of a collector (the Learner, the evidence
// tracker and summarizer) need of one span, read from pdata once by Walk.
type Span struct {
	// Service is the resource's service.name ("" when absent).
	Service string
	Kind    ptrace.SpanKind
	Trace   pcommon.TraceID
	ID      pcommon.SpanID
	Parent  pcommon.SpanID
	Failed  bool // status code Error
	// Start is the start timestamp; Duration is end minus start (0 when
	// the end is not after the start).
	Start    pcommon.Timestamp
	Duration time.Duration
	// Of client and producer spans only: peer.service (HasPeer when the
	// attribute is there, even empty) and db.system ("" when absent).
	Peer    string
	HasPeer bool
	DB      string
}

// SpanVisitor receives the spans of a batch one at a time, in batch order.
// The Span is reused for the next one: copy what you keep.
type SpanVisitor interface {
	VisitSpan(s *Span)
}

// Walk reads every span of td once and hands it to each visitor in turn,
// so that several readers of the same batch share one walk over pdata.
func Walk(td ptrace.Traces, visitors ...SpanVisitor) {
	var s Span
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		sv, _ := rs.Resource().Attributes().Get(attrServiceName)
		s.Service = sv.Str()
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				read(spans.At(k), &s)
				for _, v := range visitors {
					v.VisitSpan(&s)
				}
			}
		}
	}
}

// read fills s (all but Service) from sp.
func read(sp ptrace.Span, s *Span) {
	s.Kind = sp.Kind()
	s.Trace = sp.TraceID()
	s.ID = sp.SpanID()
	s.Parent = sp.ParentSpanID()
	s.Failed = sp.Status().Code() == ptrace.StatusCodeError
	s.Duration = 0
	start, end := sp.StartTimestamp(), sp.EndTimestamp()
	s.Start = start
	if end > start {
		s.Duration = time.Duration(end - start)
	}
	s.Peer, s.HasPeer, s.DB = "", false, ""
	if s.Kind != ptrace.SpanKindClient && s.Kind != ptrace.SpanKindProducer {
		return
	}
	attrs := sp.Attributes()
	if v, ok := attrs.Get(attrPeerService); ok {
		s.Peer, s.HasPeer = v.Str(), true
	}
	if v, ok := attrs.Get(attrDBSystem); ok {
		s.DB = v.Str()
	}
}
