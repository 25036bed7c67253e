package topology

import (
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Span attributes the learner reads.
const (
	attrServiceName = "service.name"
	attrPeerService = "peer.service"
	attrDBSystem    = "db.system"
)

// LearnerConfig bounds the span pairing store.
type LearnerConfig struct {
	// MaxPending bounds half-pairs waiting for their other half (entries).
	// Zero means 100000.
	MaxPending int
	// PendingTTL is how long a half-pair waits; a client span that expires
	// unpaired with peer.service or db.system becomes a virtual-node edge.
	// Zero means 10s.
	PendingTTL time.Duration
}

type pairKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

type half struct {
	service  string
	kind     string // KindRPC or KindMessaging
	virtual  string // peer.service / db.system of an outgoing half
	broker   string // a producer's peer.service: its consumers' broker
	isCaller bool
	matched  bool // a producer that met a consumer, waiting for others
	// The half's span, for the pairs reported to PairVisitors: whether it
	// failed, which walk saw it (a pair met within one walk is not
	// reported) and its duration (a caller's is the call's). Its trace is
	// the key's. Beside the flags, so that the half grows by dur alone.
	failed bool
	walk   uint32
	// more are the other services whose incoming halves wait under the
	// same key (consumers of one message arriving before its producer).
	more      []string
	expiresAt time.Time
	dur       time.Duration
}

// maxWaitingCallees bounds the services an incoming half keeps in more.
const maxWaitingCallees = 64

// LearnStats counts what one Observe call did.
type LearnStats struct {
	Spans        int
	NewEdges     int
	Overflow     int // waiting halves evicted for MaxPending, callees refused for maxWaitingCallees
	EdgeOverflow int // new edges refused by the graph's MaxEdges
	Unpaired     int // half-pairs that expired with no partner
	VirtualNew   int
}

// Learner pairs spans into edges of a Graph, the way the contrib
// servicegraph connector does: an outgoing (client/producer) span waits under
// (traceID, spanID), an incoming (server/consumer) span under (traceID,
// parentSpanID); when both halves meet, caller service -> callee service.
// Both halves must reach the same learner (put it where every span passes).
// A client span with db.system makes an immediate edge to a virtual node;
// one with peer.service that never meets its server half does when it
// expires. Not safe for concurrent use: callers serialize.
type Learner struct {
	cfg     LearnerConfig
	graph   *Graph
	pending map[pairKey]half
	// expiry order: pending keys in insertion order (TTL is fixed, so this is
	// also expiry order); entries already paired are skipped.
	queue []pairKey
	// visit and visitors are ObserveWith's, kept to spare two allocations
	// per batch.
	visit    learnVisitor
	visitors []SpanVisitor
	// walks counts ObserveWith's walks: a half remembers its walk, so that
	// a pair met across two batches is told from one met within a batch.
	walks uint32
}

// The defaults of the learner's bounds (max_pending_spans, pending_ttl in
// the components that learn a graph), named once for their
// createDefaultConfig and NewLearner's zero reading.
const (
	DefaultMaxPending = 100000
	DefaultPendingTTL = 10 * time.Second
)

// NewLearner returns a learner feeding g.
func NewLearner(g *Graph, cfg LearnerConfig) *Learner {
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.PendingTTL <= 0 {
		cfg.PendingTTL = DefaultPendingTTL
	}
	return &Learner{cfg: cfg, graph: g, pending: map[pairKey]half{}}
}

// Pending is the number of half-pairs waiting.
func (l *Learner) Pending() int { return len(l.pending) }

// Observe learns from every span of td, seen at now.
func (l *Learner) Observe(td ptrace.Traces, now time.Time) LearnStats {
	return l.ObserveWith(td, now)
}

// ObserveWith learns from every span of td, seen at now, and hands each
// span to the batch's other readers in the same walk (Walk). They run in
// the caller's goroutine, under whatever lock serializes the learner.
func (l *Learner) ObserveWith(td ptrace.Traces, now time.Time, others ...SpanVisitor) LearnStats {
	l.walks++
	l.visit = learnVisitor{l: l, now: now}
	l.expire(now, &l.visit.st)
	l.visitors = append(append(l.visitors[:0], &l.visit), others...)
	Walk(td, l.visitors...)
	clear(l.visitors) // keep no batch of the caller's
	return l.visit.st
}

// learnVisitor is the learner's part of a walk.
type learnVisitor struct {
	l   *Learner
	now time.Time
	st  LearnStats
}

func (v *learnVisitor) VisitSpan(s *Span) {
	if s.Service == "" {
		return
	}
	v.st.Spans++
	v.l.span(s, v.now, &v.st)
}

func (l *Learner) span(s *Span, now time.Time, st *LearnStats) {
	switch s.Kind {
	case ptrace.SpanKindClient, ptrace.SpanKindProducer:
		l.outgoing(s, now, st)
	case ptrace.SpanKindServer, ptrace.SpanKindConsumer:
		if s.Parent.IsEmpty() {
			return
		}
		kind := KindRPC
		if s.Kind == ptrace.SpanKindConsumer {
			kind = KindMessaging
		}
		l.meet(pairKey{s.Trace, s.Parent}, half{service: s.Service, kind: kind, failed: s.Failed, walk: l.walks}, now, st)
	}
}

// outgoing learns from a client or producer span.
func (l *Learner) outgoing(s *Span, now time.Time, st *LearnStats) {
	kind := KindRPC
	if s.Kind == ptrace.SpanKindProducer {
		kind = KindMessaging
	}
	virtual := s.Peer
	if s.DB != "" {
		// A database is never instrumented as a server: edge now.
		if virtual == "" {
			virtual = s.DB
		}
		l.edge(s.Service, virtual, KindVirtual, now, st)
		return
	}
	broker := ""
	if kind == KindMessaging && virtual != "" {
		// A producer's peer is its broker: a dependency of its own,
		// besides the consumers the pairing finds, which the broker
		// feeds (broker -> consumer, as a static file draws it).
		l.edge(s.Service, virtual, KindVirtual, now, st)
		broker, virtual = virtual, ""
	}
	l.meet(pairKey{s.Trace, s.ID}, half{
		service: s.Service, kind: kind, virtual: virtual, broker: broker, isCaller: true,
		failed: s.Failed, dur: s.Duration, walk: l.walks,
	}, now, st)
}

func (l *Learner) meet(k pairKey, h half, now time.Time, st *LearnStats) {
	other, ok := l.pending[k]
	switch {
	case ok && other.isCaller != h.isCaller:
		caller, callee := other, h
		if h.isCaller {
			caller, callee = h, other
		}
		l.pair(caller, callee.service, now, st)
		for _, s := range callee.more {
			l.pair(caller, s, now, st)
		}
		if other.walk != l.walks {
			l.reportPair(k.trace, caller, callee)
		}
		l.paired(k, caller, other)
	case ok && !h.isCaller:
		l.join(k, other, h.service, st)
	case ok:
		// The same outgoing span again (an exporter's retry): keep the
		// first, which holds the entry's place in the expiry queue.
	default:
		l.wait(k, h, now, st)
	}
}

// pair learns the edges of caller meeting an incoming half of callee.
func (l *Learner) pair(caller half, callee string, now time.Time, st *LearnStats) {
	l.edge(caller.service, callee, caller.kind, now, st)
	if caller.broker != "" {
		l.edge(caller.broker, callee, KindMessaging, now, st)
	}
}

// join adds service to the incoming halves waiting under k, once.
func (l *Learner) join(k pairKey, waiting half, service string, st *LearnStats) {
	if service == waiting.service || slices.Contains(waiting.more, service) {
		return
	}
	if len(waiting.more) >= maxWaitingCallees {
		st.Overflow++
		return
	}
	waiting.more = append(waiting.more, service)
	l.pending[k] = waiting
}

// wait stores h under k until its other half arrives or the TTL passes.
func (l *Learner) wait(k pairKey, h half, now time.Time, st *LearnStats) {
	if len(l.pending) >= l.cfg.MaxPending {
		// Full: the oldest half makes room. It has waited longest, so it
		// is the likeliest orphan (a call to an uninstrumented peer, a
		// parent never exported); a new half's partner is usually close
		// behind. Refusing the new one instead let orphans hold the store
		// for a whole TTL while every new pair went unlearned.
		st.Overflow++
		l.evictOldest(st)
	}
	h.expiresAt = now.Add(l.cfg.PendingTTL)
	l.pending[k] = h
	l.queue = append(l.queue, k)
	if len(l.queue) > 2*l.cfg.MaxPending {
		// Most queued keys paired already: keep the queue as small as the map.
		kept := l.queue[:0]
		for _, q := range l.queue {
			if _, ok := l.pending[q]; ok {
				kept = append(kept, q)
			}
		}
		l.queue = kept
	}
}

// evictOldest drops the oldest waiting half, as its TTL would have: an
// unpaired client span that named its peer still teaches that edge.
func (l *Learner) evictOldest(st *LearnStats) {
	for len(l.queue) > 0 {
		k := l.queue[0]
		l.queue = l.queue[1:]
		h, ok := l.pending[k]
		if !ok {
			continue // paired already
		}
		delete(l.pending, k)
		if !h.matched && h.isCaller && h.virtual != "" {
			l.edge(h.service, h.virtual, KindVirtual, h.expiresAt, st)
		}
		return
	}
}

// paired settles the pending entry under k once its two halves met. An RPC
// call has one server: the entry goes. A message may have many consumers
// (the OpenTelemetry demo's orders topic feeds accounting and
// fraud-detection): the producer's half stays, or takes the consumer's
// place, until the entry's TTL, so each later consumer pairs with it too.
func (l *Learner) paired(k pairKey, caller, pending half) {
	if caller.kind != KindMessaging {
		delete(l.pending, k)
		return
	}
	caller.expiresAt = pending.expiresAt // keep the queue in expiry order
	caller.matched = true
	l.pending[k] = caller
}

func (l *Learner) edge(from, to, kind string, now time.Time, st *LearnStats) {
	added, err := l.graph.Observe(from, to, kind, now)
	if err != nil {
		st.EdgeOverflow++
		return
	}
	if added {
		st.NewEdges++
		if kind == KindVirtual {
			st.VirtualNew++
		}
	}
}

// Expire drops half-pairs older than the pending TTL (turning unpaired
// client spans with a peer into virtual edges).
func (l *Learner) Expire(now time.Time) LearnStats {
	var st LearnStats
	l.expire(now, &st)
	return st
}

func (l *Learner) expire(now time.Time, st *LearnStats) {
	n := 0
	for n < len(l.queue) {
		k := l.queue[n]
		h, ok := l.pending[k]
		if ok && h.expiresAt.After(now) {
			break
		}
		n++
		if !ok {
			continue // paired already
		}
		delete(l.pending, k)
		if h.matched {
			continue
		}
		st.Unpaired++
		if h.isCaller && h.virtual != "" {
			l.edge(h.service, h.virtual, KindVirtual, h.expiresAt, st)
		}
	}
	if n > 0 {
		l.queue = l.queue[n:]
		if cap(l.queue) > 4*len(l.queue)+1024 {
			l.queue = append([]pairKey(nil), l.queue...)
		}
	}
}
