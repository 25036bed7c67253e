// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/quell-otel/quell/internal/otlpwire"
)

// traceOverhead approximates the bytes a buffered trace costs besides its
// encoded spans (trace struct, map entry, queue slots, chunk headers).
const traceOverhead = 192

type trigger uint8

const (
	triggerRoot trigger = iota
	triggerTimeout
	triggerSpanLimit
	triggerMemory
	triggerShutdown
	numTriggers
)

var triggerNames = [numTriggers]string{"root", "timeout", "span_limit", "memory_pressure", "shutdown"}

// trace is one buffered, undecided trace.
type trace struct {
	id           pcommon.TraceID
	fp           uint64
	groups       [][]otlpwire.Segment // one slice of segments per batch
	keys         []string             // adaptive key values (without status), per adaptive rule
	first        int64                // arrival of the first span, unix ns
	rootDeadline int64
	minStart     uint64
	maxEnd       uint64
	bits         uint64
	rv           uint64
	bytes        int32
	spans        int32
	hasError     bool
	hasRoot      bool
	hasRV        bool
	rootKeys     bool
}

// keptEntry is the decision remembered for late spans.
type keptEntry struct {
	th      sampling.Threshold
	rule    int32
	keep    bool // false only in dry run
	partial bool // kept on late error spans after a drop
}

// emitItem is a decided trace (or late spans) to send on.
type emitItem struct {
	id     pcommon.TraceID
	groups [][]otlpwire.Segment
	spans  int32
	th     sampling.Threshold
	rule   int32
	keep   bool
	// partial marks the late spans of a trace whose earlier spans were
	// dropped (AttrPartial).
	partial bool
}

type shard struct {
	mu       sync.Mutex
	traces   map[pcommon.TraceID]*trace
	arrivals fifo
	roots    fifo
	kept     *lru.Cache[pcommon.TraceID, keptEntry]
	dropped  *fingerprintSet
	adaptive []*adaptiveState
	limits   []*rateLimiter
	bytes    int64
	budget   int64
	// pending telemetry deltas, flushed after the lock is released
	dBytes, dTraces int64
	forgotKept      int64
	forgotDropped   int64
}

// pending returns the undecided trace an arrivals (or roots) entry stands
// for, or nil when the entry is stale.
func (s *shard) pending(e fifoEntry, root bool) *trace {
	t := s.traces[e.id]
	if t == nil || (!root && t.first != e.at) || (root && t.rootDeadline != e.at) {
		return nil
	}
	return t
}

func (s *shard) liveArrival(e fifoEntry) bool { return s.pending(e, false) != nil }

func (s *shard) liveRoot(e fifoEntry) bool { return s.pending(e, true) != nil }

// queueBytes is what the time queues hold, stale entries included.
func (s *shard) queueBytes() int64 {
	return int64(s.arrivals.len()+s.roots.len()) * fifoEntrySize
}

func (s *shard) overBudget() bool { return s.bytes+s.queueBytes() > s.budget }

// remove forgets a decided trace and its bytes (lock held). Its queue
// entries go stale (pending skips them).
func (s *shard) remove(t *trace) {
	delete(s.traces, t.id)
	s.bytes -= int64(t.bytes) + traceOverhead
	s.dBytes -= int64(t.bytes) + traceOverhead
	s.dTraces--
}

// merge folds one batch's group of spans into the trace's summary.
func (t *trace) merge(g *group) {
	t.spans += g.n
	t.minStart = min(t.minStart, g.minStart)
	t.maxEnd = max(t.maxEnd, g.maxEnd)
	t.bits |= g.bits
	t.hasError = t.hasError || g.hasError
	if g.hasRV && !t.hasRV {
		t.rv, t.hasRV = g.rv, true
	}
	if g.keys != nil && (t.keys == nil || (g.rootKeys && !t.rootKeys)) {
		t.keys = append(t.keys[:0], g.keys...)
		t.rootKeys = g.rootKeys
	}
}
