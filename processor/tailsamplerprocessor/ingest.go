// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"context"
	"math"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/otlpwire"
)

// scratchPool pools per-call buffers (a few MB for a large batch). It is
// shared by every tail_sampler instance (nothing in a scratch belongs to one
// processor) and, being a sync.Pool, gives them back to the GC when idle.
var scratchPool = sync.Pool{New: func() any { return &ingestScratch{idx: map[pcommon.TraceID]int32{}} }}

// ingestScratch holds per-call buffers, pooled.
type ingestScratch struct {
	w       otlpwire.Batch
	idx     map[pcommon.TraceID]int32
	groups  []group
	next    []int32
	list    []int32
	byShard [][]int32
	out     []emitItem
	enc     otlpwire.Encoder
}

// group is the spans of one trace within one batch.
type group struct {
	id         pcommon.TraceID
	hash       uint64
	head, tail int32
	n          int32
	minStart   uint64
	maxEnd     uint64
	bits       uint64
	rv         uint64
	keys       []string
	hasError   bool
	hasRoot    bool
	hasRV      bool
	rootKeys   bool
}

func (p *tailSampler) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	sc := p.getScratch()
	defer p.release(sc)
	if nSpans := p.scan(ctx, sc, td); nSpans == 0 {
		return nil
	}
	nShards := uint64(len(p.shards))
	if cap(sc.byShard) < len(p.shards) {
		sc.byShard = make([][]int32, len(p.shards))
	}
	sc.byShard = sc.byShard[:len(p.shards)]
	for gi := range sc.groups {
		g := &sc.groups[gi]
		g.hash = xxhash.Sum64(g.id[:])
		si := g.hash % nShards
		sc.byShard[si] = append(sc.byShard[si], int32(gi))
	}
	now := p.now()
	out := sc.out[:0]
	for si, gis := range sc.byShard {
		if len(gis) == 0 {
			continue
		}
		s := p.shards[si]
		s.mu.Lock()
		for _, gi := range gis {
			out = p.ingestGroup(ctx, s, sc, &sc.groups[gi], now, out)
		}
		if s.overBudget() {
			out = p.relievePressure(s, now, out)
		}
		s.mu.Unlock()
		p.flushShardTelemetry(ctx, s)
		sc.byShard[si] = gis[:0]
	}
	sc.out = out
	lost, err := p.emit(ctx, sc, out)
	if lost > 0 {
		p.tb.ProcessorTailSamplerSpansUndelivered.Add(ctx, int64(lost))
	}
	return err
}

func (p *tailSampler) release(sc *ingestScratch) {
	clear(sc.idx)
	for i := range sc.groups {
		sc.groups[i].keys = nil
	}
	sc.groups = sc.groups[:0]
	for i := range sc.out {
		sc.out[i] = emitItem{}
	}
	sc.out = sc.out[:0]
	sc.next = sc.next[:0]
	sc.w.Reset()
	scratchPool.Put(sc)
}

func (p *tailSampler) getScratch() *ingestScratch {
	return scratchPool.Get().(*ingestScratch)
}

// scan walks the batch once: groups spans by trace and evaluates the
// span-level conditions.
func (p *tailSampler) scan(ctx context.Context, sc *ingestScratch, td ptrace.Traces) int {
	preds := p.rules.preds
	allBits := uint64(1)<<len(preds) - 1
	if len(preds) == 64 {
		allBits = math.MaxUint64
	}
	idx := 0
	lastGI := int32(-1)
	w := &sc.w
	// Size the reused buffers once for the batch rather than by doubling,
	// with headroom so that batches of about the same size reuse them.
	n := td.SpanCount()
	w.Reserve(n)
	if cap(sc.next) < n {
		sc.next = make([]int32, 0, n+n/4)
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		if sss.Len() == 0 {
			continue
		}
		rsH := w.AddResource(rs)
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			if spans.Len() == 0 {
				continue
			}
			ssIdx := w.AddScope(rsH, ss)
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				w.AddSpan(ssIdx, sp)
				lastGI = sc.groupOf(sp.TraceID(), int32(idx), lastGI)
				p.noteSpan(ctx, &sc.groups[lastGI], rs, ss, sp, allBits)
				idx++
			}
		}
	}
	return idx
}

// groupOf returns the group of the trace id in this batch, made if needed,
// with span idx appended to its list; last is the group of the span before.
func (sc *ingestScratch) groupOf(id pcommon.TraceID, idx, last int32) int32 {
	// Spans of one trace often sit together: skip the map then.
	gi, ok := last, last >= 0 && sc.groups[last].id == id
	if !ok {
		gi, ok = sc.idx[id]
	}
	if !ok {
		gi = int32(len(sc.groups))
		sc.groups = append(sc.groups, group{id: id, head: idx, tail: idx, minStart: math.MaxUint64})
		sc.idx[id] = gi
	} else {
		sc.next[sc.groups[gi].tail] = idx
		sc.groups[gi].tail = idx
	}
	sc.next = append(sc.next, -1)
	return gi
}

// noteSpan folds one span into its group's summary: count, time range,
// root, error, span-level conditions, randomness and adaptive keys.
func (p *tailSampler) noteSpan(ctx context.Context, g *group, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, sp ptrace.Span, allBits uint64) {
	first := g.n == 0
	g.n++
	g.minStart = min(g.minStart, uint64(sp.StartTimestamp()))
	g.maxEnd = max(g.maxEnd, uint64(sp.EndTimestamp()))
	root := sp.ParentSpanID().IsEmpty()
	g.hasRoot = g.hasRoot || root
	g.hasError = g.hasError || sp.Status().Code() == ptrace.StatusCodeError
	if g.bits != allBits {
		for b, pr := range p.rules.preds {
			if m := uint64(1) << b; g.bits&m == 0 && pr.match(ctx, rs, ss, sp, root) {
				g.bits |= m
			}
		}
	}
	if !g.hasRV {
		if ts := sp.TraceState().AsRaw(); ts != "" && strings.Contains(ts, "rv:") {
			if w3c, err := sampling.NewW3CTraceState(ts); err == nil {
				if rnd, ok := w3c.OTelValue().RValueRandomness(); ok {
					g.rv, g.hasRV = rnd.Unsigned(), true
				}
			}
		}
	}
	if len(p.rules.adaptive) > 0 && (first || (root && !g.rootKeys)) {
		g.keys = p.keyValues(rs, sp, g.keys)
		g.rootKeys = root
	}
}

// keyValues computes each adaptive rule's key (without status) from a span.
func (p *tailSampler) keyValues(rs ptrace.ResourceSpans, sp ptrace.Span, dst []string) []string {
	dst = dst[:0]
	var b strings.Builder
	for _, r := range p.rules.adaptive {
		b.Reset()
		for i, f := range r.keyFields {
			if i > 0 {
				b.WriteByte(0x1f)
			}
			switch f.kind {
			case keyResource:
				if v, ok := rs.Resource().Attributes().Get(f.attr); ok {
					b.WriteString(v.AsString())
				}
			case keySpan:
				if v, ok := sp.Attributes().Get(f.attr); ok {
					b.WriteString(v.AsString())
				}
			case keyRootName:
				b.WriteString(sp.Name())
			case keyStatus:
				// appended at decision time from the whole trace
			}
		}
		dst = append(dst, b.String())
	}
	return dst
}

func (p *tailSampler) groupSpans(sc *ingestScratch, g *group) []int32 {
	l := sc.list[:0]
	for i := g.head; i >= 0; i = sc.next[i] {
		l = append(l, i)
	}
	sc.list = l
	return l
}

// ingestGroup adds one batch's spans of a trace to its shard (lock held).
func (p *tailSampler) ingestGroup(ctx context.Context, s *shard, sc *ingestScratch, g *group, now int64, out []emitItem) []emitItem {
	t := s.traces[g.id]
	if t == nil {
		var late bool
		if out, late = p.lateSpans(ctx, s, sc, g, now, out); late {
			return out
		}
		t = &trace{id: g.id, fp: g.hash, first: now, minStart: math.MaxUint64}
		s.traces[g.id] = t
		s.arrivals.push(t.id, t.first)
		s.bytes += traceOverhead
		s.dBytes += traceOverhead
		s.dTraces++
	}
	segs, size := sc.w.Group(p.groupSpans(sc, g))
	t.groups = append(t.groups, segs)
	size += otlpwire.GroupOverhead
	t.bytes += int32(size)
	s.bytes += int64(size)
	s.dBytes += int64(size)
	t.merge(g)
	if int(t.spans) >= p.cfg.MaxSpansPerTrace {
		return p.decide(s, t, now, triggerSpanLimit, out)
	}
	if g.hasRoot && !t.hasRoot {
		t.hasRoot = true
		t.rootDeadline = now + int64(p.cfg.RootWait)
		if p.cfg.RootWait <= 0 {
			return p.decide(s, t, now, triggerRoot, out)
		}
		s.roots.push(t.id, t.rootDeadline)
	}
	return out
}

// lateSpans handles the spans of a trace already decided (lock held); it
// reports false when the trace is unknown. Late spans follow a kept
// decision. They follow a drop too, unless they hold an error: then they are
// decided on their own, and if kept, they and any later spans of the trace
// are marked partial (AttrPartial), since its earlier spans are gone.
func (p *tailSampler) lateSpans(ctx context.Context, s *shard, sc *ingestScratch, g *group, now int64, out []emitItem) ([]emitItem, bool) {
	if s.kept != nil {
		if e, ok := s.kept.Get(g.id); ok {
			segs, _ := sc.w.Group(p.groupSpans(sc, g))
			p.tb.ProcessorTailSamplerLateSpans.Add(ctx, int64(g.n), p.lateOpts[0])
			p.counts.late.Add(int64(g.n))
			return append(out, emitItem{id: g.id, groups: [][]otlpwire.Segment{segs}, spans: g.n, th: e.th, rule: e.rule, keep: e.keep, partial: e.partial}), true
		}
	}
	if !s.dropped.has(g.hash) {
		return out, false
	}
	if g.hasError {
		t := &trace{id: g.id, minStart: math.MaxUint64}
		t.merge(g)
		if v := p.evaluate(s, t, now); v.keep {
			segs, _ := sc.w.Group(p.groupSpans(sc, g))
			if s.kept != nil {
				s.kept.Add(g.id, keptEntry{th: v.th, rule: v.rule, keep: true, partial: true})
			}
			p.tb.ProcessorTailSamplerLateSpans.Add(ctx, int64(g.n), p.lateOpts[0])
			p.tb.ProcessorTailSamplerPartialTraces.Add(ctx, 1)
			p.counts.late.Add(int64(g.n))
			return append(out, emitItem{id: g.id, groups: [][]otlpwire.Segment{segs}, spans: g.n, th: v.th, rule: v.rule, keep: true, partial: true}), true
		}
	}
	p.tb.ProcessorTailSamplerLateSpans.Add(ctx, int64(g.n), p.lateOpts[1])
	p.counts.late.Add(int64(g.n))
	return out, true
}
