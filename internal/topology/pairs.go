package topology

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Pair is a call whose two halves reached the learner in different
// batches, as they do wherever each service exports its own spans (an SDK
// per process, an agent per node): a client or producer span of Caller
// and the server or consumer span of Callee beneath it. A reader of one
// batch (the trace evidence) matches parents and children within that
// batch; the learner's pairing store, which waits pending_ttl for the
// other half, tells it of the pairs it could not see.
type Pair struct {
	Caller, Callee string
	// Broker is the producer span's peer.service, for a message through a
	// broker ("" for a call). CallerPeer is the client span's
	// peer.service, if it named one.
	Broker, CallerPeer string
	Trace              pcommon.TraceID
	// CallerFailed and CalleeFailed: each half's span had status Error.
	CallerFailed, CalleeFailed bool
	// Duration is the caller span's: the call as its caller saw it.
	Duration time.Duration
	// Messaging: a producer and a consumer span.
	Messaging bool
}

// PairVisitor is a SpanVisitor that also hears of the pairs the learner
// matches across batches during ObserveWith's walk (each once, when the
// second half arrives). Pairs met within one batch are not reported: the
// batch's readers see both halves.
type PairVisitor interface {
	SpanVisitor
	VisitPair(p *Pair)
}

// reportPair hands the pair of caller and callee, met across batches, to
// the walk's PairVisitors. Callees that waited beside the first under the
// same key (consumers of one message, half.more) are not reported: their
// spans' fields were not kept.
func (l *Learner) reportPair(trace pcommon.TraceID, caller, callee half) {
	p := Pair{
		Caller: caller.service, Callee: callee.service, Broker: caller.broker, Trace: trace,
		CallerFailed: caller.failed, CalleeFailed: callee.failed, Duration: caller.dur,
		Messaging: caller.kind == KindMessaging,
	}
	if !p.Messaging {
		p.CallerPeer = caller.virtual
	}
	for _, v := range l.visitors[1:] {
		if pv, ok := v.(PairVisitor); ok {
			pv.VisitPair(&p)
		}
	}
}
