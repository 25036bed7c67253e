package evidence

import (
	"encoding/binary"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/topology"
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
	start       int64 // Unix nanoseconds
	dur         time.Duration
	// self is dur less the time its children in the batch cover, with its
	// internal descendants' own (selftime.go).
	self time.Duration
	// up, child and sibling link the span to its parent, first child and
	// next sibling in the batch: index+1, 0 for none (classify).
	up, child, sibling int32
	parent             spanKey // its trace is the span's own
	id                 pcommon.SpanID
}

// Batch is a batch of spans as the evidence reads them: flattened and
// indexed by (trace, span) ID. A topology.SpanVisitor, so that the
// learner's walk over a batch fills it (topology.Learner.ObserveWith);
// Tracker.ObserveBatch or Summarizer.ObserveBatch then count it. Not safe
// for concurrent use.
type Batch struct {
	spans []spanInfo
	// byID indexes spans by span ID alone: a 64-bit key hashes several
	// times faster than the (trace, span) pair, and span IDs are random.
	// A span ID already taken by another trace's span goes to shared.
	byID       map[uint64]int32
	shared     map[spanKey]int32
	classified bool
	// covers is selfTimes' scratch: one span's children's intervals.
	covers []interval
	// pairs are the calls whose other half came in an earlier batch, as
	// the learner's walk reported them (VisitPair; pairs.go).
	pairs []topology.Pair
}

// NewBatch returns an empty batch with room for n spans.
func NewBatch(n int) *Batch {
	return &Batch{spans: make([]spanInfo, 0, n), byID: make(map[uint64]int32, n)}
}

// BatchPool recycles batches from one walk to the next: their index and
// span slice are most of what a walk allocates. Safe for concurrent use;
// the zero value is ready.
type BatchPool struct{ pool sync.Pool }

// Get returns an empty batch (with the room of a recycled one).
func (p *BatchPool) Get() *Batch {
	if b, ok := p.pool.Get().(*Batch); ok {
		return b
	}
	return NewBatch(0)
}

// Put empties b for a later Get. b must not be used after.
func (p *BatchPool) Put(b *Batch) {
	clear(b.spans) // drop the service names it holds
	b.spans = b.spans[:0]
	clear(b.byID)
	clear(b.pairs) // drop the service names they hold
	b.pairs = b.pairs[:0]
	b.shared = nil
	b.classified = false
	p.pool.Put(b)
}

// VisitSpan adds s to the batch.
func (b *Batch) VisitSpan(s *topology.Span) {
	info := spanInfo{
		service: s.Service, kind: s.Kind, failed: s.Failed, dur: s.Duration,
		start: int64(s.Start), parent: spanKey{s.Trace, s.Parent}, id: s.ID,
	}
	if s.HasPeer {
		info.peer = s.Peer
	} else {
		info.peer = s.DB
	}
	b.put(spanKey{s.Trace, s.ID}, int32(len(b.spans)))
	b.spans = append(b.spans, info)
	b.classified = false
}

// put indexes span i under k; a later span under the same k replaces it.
func (b *Batch) put(k spanKey, i int32) {
	id := binary.LittleEndian.Uint64(k.span[:])
	if j, ok := b.byID[id]; ok && b.spans[j].parent.trace != k.trace {
		if b.shared == nil {
			b.shared = map[spanKey]int32{}
		}
		b.shared[k] = i
		return
	}
	b.byID[id] = i
}

// find returns the index of the span under k.
func (b *Batch) find(k spanKey) (int, bool) {
	j, ok := b.byID[binary.LittleEndian.Uint64(k.span[:])]
	if !ok {
		return 0, false
	}
	if b.spans[j].parent.trace == k.trace {
		return int(j), true
	}
	j, ok = b.shared[k]
	return int(j), ok
}
