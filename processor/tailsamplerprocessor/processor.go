// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/processor/tailsamplerprocessor/internal/metadata"
)

// Attributes stamped on kept spans.
const (
	AttrRule            = "sampling.rule"
	AttrDryRunKept      = "sampling.dry_run.kept"
	AttrDryRunThreshold = "sampling.dry_run.threshold"
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
	groups       [][]segment // one slice of segments per batch
	keys         []string    // adaptive key values (without status), per adaptive rule
	first        int64       // arrival of the first span, unix ns
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
	th   sampling.Threshold
	rule int32
	keep bool // false only in dry run
}

// emitItem is a decided trace (or late spans) to send on.
type emitItem struct {
	id     pcommon.TraceID
	groups [][]segment
	spans  int32
	th     sampling.Threshold
	rule   int32
	keep   bool
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

type tailSampler struct {
	cfg    *Config
	logger *zap.Logger
	next   consumer.Traces
	rules  *ruleSet
	tb     *metadata.TelemetryBuilder
	shards []*shard
	now    func() int64

	stop     chan struct{}
	wg       sync.WaitGroup
	started  bool
	shutOnce sync.Once

	decidedOpts [][2][numTriggers]metric.AddOption
	spanOpts    [][2]metric.AddOption
	limitOpts   []metric.AddOption
	lateOpts    [2]metric.AddOption
	forgotOpts  [2]metric.AddOption
}

func decisionIdx(keep bool) int {
	if keep {
		return 0
	}
	return 1
}

var decisionNames = [2]string{"kept", "dropped"}

func newTailSampler(set processor.Settings, cfg *Config, next consumer.Traces) (*tailSampler, error) {
	rules, err := compileRules(cfg, set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	n := cfg.NumShards
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p := &tailSampler{
		cfg:    cfg,
		logger: set.Logger,
		next:   next,
		rules:  rules,
		tb:     tb,
		now:    func() int64 { return time.Now().UnixNano() },
		stop:   make(chan struct{}),
	}
	for range n {
		s := &shard{
			traces:  map[pcommon.TraceID]*trace{},
			budget:  max(1, int64(cfg.MaxBufferedBytes)/int64(n)),
			dropped: newFingerprintSet(cfg.DecisionCache.DroppedTraces / n / 2),
		}
		if k := cfg.DecisionCache.KeptTraces / n; k > 0 {
			s.kept, _ = lru.NewWithEvict(k, func(pcommon.TraceID, keptEntry) { s.forgotKept++ })
		}
		for _, r := range rules.adaptive {
			s.adaptive = append(s.adaptive, newAdaptiveState(r.adaptive, n))
		}
		for _, r := range rules.limited {
			s.limits = append(s.limits, newRateLimiter(r.rateLimit, n))
		}
		p.shards = append(p.shards, s)
	}
	for _, r := range rules.rules {
		var d [2][numTriggers]metric.AddOption
		var sp [2]metric.AddOption
		for di, dn := range decisionNames {
			for ti, tn := range triggerNames {
				d[di][ti] = metric.WithAttributeSet(attribute.NewSet(
					attribute.String("rule", r.name), attribute.String("decision", dn), attribute.String("trigger", tn)))
			}
			sp[di] = metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", r.name), attribute.String("decision", dn)))
		}
		p.decidedOpts = append(p.decidedOpts, d)
		p.spanOpts = append(p.spanOpts, sp)
	}
	for _, r := range rules.limited {
		p.limitOpts = append(p.limitOpts, metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", r.name))))
	}
	for di, dn := range decisionNames {
		p.lateOpts[di] = metric.WithAttributeSet(attribute.NewSet(attribute.String("decision", dn)))
		p.forgotOpts[di] = metric.WithAttributeSet(attribute.NewSet(attribute.String("decision", dn)))
	}
	return p, nil
}

func (p *tailSampler) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (p *tailSampler) Start(context.Context, component.Host) error {
	p.started = true
	for _, s := range p.shards {
		p.wg.Add(1)
		go p.tickLoop(s)
	}
	return nil
}

func (p *tailSampler) tickLoop(s *shard) {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			_ = p.tickShard(context.Background(), s, p.now()) // deliver logs failures
		}
	}
}

// Shutdown decides every pending trace (trigger shutdown) and sends the kept
// ones. It is idempotent.
func (p *tailSampler) Shutdown(ctx context.Context) error {
	var err error
	p.shutOnce.Do(func() {
		close(p.stop)
		p.wg.Wait()
		// Shards are independent: decide and send them in parallel.
		now := p.now()
		errs := make([]error, len(p.shards))
		var wg sync.WaitGroup
		for i, s := range p.shards {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sc := p.getScratch()
				defer p.release(sc)
				var out []emitItem
				s.mu.Lock()
				for _, e := range s.arrivals.entries() {
					if t := s.pending(e, false); t != nil {
						out = p.decide(s, t, now, triggerShutdown, out)
					}
				}
				s.arrivals = fifo{}
				s.roots = fifo{}
				s.mu.Unlock()
				p.flushShardTelemetry(ctx, s)
				errs[i] = p.deliver(ctx, sc, out, "shutdown")
			}()
		}
		wg.Wait()
		err = errors.Join(errs...)
		p.tb.Shutdown()
	})
	return err
}

// tickShard decides the traces of one shard that are due at now.
func (p *tailSampler) tickShard(ctx context.Context, s *shard, now int64) error {
	sc := p.getScratch()
	defer p.release(sc)
	var out []emitItem
	s.mu.Lock()
	for {
		e, ok := s.roots.peek(s.liveRoot)
		if !ok || e.at > now {
			break
		}
		s.roots.pop()
		out = p.decide(s, s.traces[e.id], now, triggerRoot, out)
	}
	wait := int64(p.cfg.DecisionWait)
	for {
		e, ok := s.arrivals.peek(s.liveArrival)
		if !ok || e.at+wait > now {
			break
		}
		s.arrivals.pop()
		out = p.decide(s, s.traces[e.id], now, triggerTimeout, out)
	}
	s.mu.Unlock()
	p.flushShardTelemetry(ctx, s)
	return p.deliver(ctx, sc, out, "tick")
}

// tick decides due traces in every shard (tests drive time through it).
func (p *tailSampler) tick(ctx context.Context, now int64) error {
	var err error
	for _, s := range p.shards {
		err = errors.Join(err, p.tickShard(ctx, s, now))
	}
	return err
}

// scratchPool pools per-call buffers (a few MB for a large batch). It is
// shared by every tail_sampler instance (nothing in a scratch belongs to one
// processor) and, being a sync.Pool, gives them back to the GC when idle.
var scratchPool = sync.Pool{New: func() any { return &ingestScratch{idx: map[pcommon.TraceID]int32{}} }}

// ingestScratch holds per-call buffers, pooled.
type ingestScratch struct {
	w       wireBatch
	idx     map[pcommon.TraceID]int32
	groups  []group
	next    []int32
	list    []int32
	byShard [][]int32
	out     []emitItem
	enc     tracesEncoder
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
	sc.w.reset()
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
	keyed := len(p.rules.adaptive) > 0
	idx := 0
	lastGI := int32(-1)
	w := &sc.w
	// Size the reused buffers once for the batch rather than by doubling,
	// with headroom so that batches of about the same size reuse them.
	n := td.SpanCount()
	if cap(w.spans) < n {
		w.spans = make([]wireSpan, 0, n+n/4)
		sc.next = make([]int32, 0, n+n/4)
	}
	// The span buffer is sized from the bytes per span of the last batch
	// (append grows it if this one is larger).
	if need := n * w.spanBytes(); cap(w.buf) < need {
		w.buf = make([]byte, 0, need+need/4)
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		if sss.Len() == 0 {
			continue
		}
		rsH := w.resourceHandle(rs)
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			if spans.Len() == 0 {
				continue
			}
			ssIdx := int32(len(w.ss))
			w.arena = appendScopeHeader(w.arena[:0], ss.Scope(), ss.SchemaUrl())
			w.ss = append(w.ss, wireSS{rs: rsH, ss: w.internArena()})
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				start := len(w.buf)
				w.buf = appendSpan(w.buf, sp)
				w.spans = append(w.spans, wireSpan{rng: byteRange{int32(start), int32(len(w.buf))}, ss: ssIdx})
				id := sp.TraceID()
				// Spans of one trace often sit together: skip the map then.
				gi, ok := lastGI, lastGI >= 0 && sc.groups[lastGI].id == id
				if !ok {
					gi, ok = sc.idx[id]
				}
				if !ok {
					gi = int32(len(sc.groups))
					sc.groups = append(sc.groups, group{id: id, head: int32(idx), tail: int32(idx), minStart: math.MaxUint64})
					sc.idx[id] = gi
				} else {
					sc.next[sc.groups[gi].tail] = int32(idx)
					sc.groups[gi].tail = int32(idx)
				}
				sc.next = append(sc.next, -1)
				lastGI = gi
				g := &sc.groups[gi]
				first := g.n == 0
				g.n++
				if st := uint64(sp.StartTimestamp()); st < g.minStart {
					g.minStart = st
				}
				if en := uint64(sp.EndTimestamp()); en > g.maxEnd {
					g.maxEnd = en
				}
				root := sp.ParentSpanID().IsEmpty()
				if root {
					g.hasRoot = true
				}
				if sp.Status().Code() == ptrace.StatusCodeError {
					g.hasError = true
				}
				if g.bits != allBits {
					for b, pr := range preds {
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
				if keyed && (first || (root && !g.rootKeys)) {
					g.keys = p.keyValues(rs, sp, g.keys)
					g.rootKeys = root
				}
				idx++
			}
		}
	}
	return idx
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
		// Late spans of a decided trace follow its decision.
		if s.kept != nil {
			if e, ok := s.kept.Get(g.id); ok {
				segs, _ := encodeGroup(&sc.w, p.groupSpans(sc, g))
				p.tb.ProcessorTailSamplerLateSpans.Add(ctx, int64(g.n), p.lateOpts[0])
				return append(out, emitItem{id: g.id, groups: [][]segment{segs}, spans: g.n, th: e.th, rule: e.rule, keep: e.keep})
			}
		}
		if s.dropped.has(g.hash) {
			p.tb.ProcessorTailSamplerLateSpans.Add(ctx, int64(g.n), p.lateOpts[1])
			return out
		}
		t = &trace{id: g.id, fp: g.hash, first: now, minStart: math.MaxUint64}
		s.traces[g.id] = t
		s.arrivals.push(t.id, t.first)
		s.bytes += traceOverhead
		s.dBytes += traceOverhead
		s.dTraces++
	}
	segs, size := encodeGroup(&sc.w, p.groupSpans(sc, g))
	t.groups = append(t.groups, segs)
	size += groupOverhead
	t.bytes += int32(size)
	s.bytes += int64(size)
	s.dBytes += int64(size)
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

// relievePressure decides the oldest traces early until the shard is back
// under 90% of its budget; traces holding an error go last (lock held).
// Stale queue entries (of traces decided on their root) are dropped first.
func (p *tailSampler) relievePressure(s *shard, now int64, out []emitItem) []emitItem {
	target := s.budget / 10 * 9
	if s.queueBytes() > int64(len(s.traces))*2*fifoEntrySize+4096 {
		s.arrivals.compact(s.liveArrival)
		s.roots.compact(s.liveRoot)
	}
	// Deciding a trace leaves its queue entries stale until the next
	// compaction, so count the queues as two entries per pending trace.
	over := func() bool { return s.bytes+int64(len(s.traces))*2*fifoEntrySize > target }
	early := int64(0)
	for pass := 0; pass < 2 && over(); pass++ {
		for _, e := range s.arrivals.entries() {
			if !over() {
				break
			}
			t := s.pending(e, false)
			if t == nil || (pass == 0 && t.hasError) {
				continue
			}
			out = p.decide(s, t, now, triggerMemory, out)
			early++
		}
	}
	s.arrivals.peek(s.liveArrival)
	if early > 0 {
		p.tb.ProcessorTailSamplerEarlyDecisions.Add(context.Background(), early)
	}
	return out
}

// decide applies the rules to t, removes it from the shard and remembers the
// decision (lock held). Kept traces are appended to out.
func (p *tailSampler) decide(s *shard, t *trace, now int64, trig trigger, out []emitItem) []emitItem {
	sum := summary{bits: t.bits, spans: uint64(t.spans)}
	if t.maxEnd > t.minStart {
		sum.duration = t.maxEnd - t.minStart
	}
	ri := len(p.rules.rules) - 1
	for i := range p.rules.rules {
		if p.rules.rules[i].cond.eval(&sum) {
			ri = i
			break
		}
	}
	r := &p.rules.rules[ri]
	var th sampling.Threshold
	switch r.mode {
	case modeAlways:
		th = sampling.AlwaysSampleThreshold
	case modeProbability:
		th = r.threshold
	case modeDrop:
		th = sampling.NeverSampleThreshold
	case modeAdaptive:
		key := ""
		if r.adaptIdx < len(t.keys) {
			key = t.keys[r.adaptIdx]
		}
		for _, f := range r.keyFields {
			if f.kind == keyStatus {
				if t.hasError {
					key += "\x1ferror"
				} else {
					key += "\x1fok"
				}
			}
		}
		prob := s.adaptive[r.adaptIdx].probability(key, now)
		var err error
		if th, err = sampling.ProbabilityToThreshold(prob); err != nil {
			th = sampling.AlwaysSampleThreshold
		}
	}
	var rnd sampling.Randomness
	if t.hasRV {
		rnd, _ = sampling.UnsignedToRandomness(t.rv)
	} else {
		rnd = sampling.TraceIDToRandomness(t.id)
	}
	keep := false
	switch {
	case r.mode == modeDrop: // never kept
	case r.rateLimit != nil:
		l, cost := s.limits[r.limitIdx], r.limitCost(t)
		th = l.threshold(th, cost, now)
		keep = th.ShouldSample(rnd) && l.take(cost)
	default:
		keep = th.ShouldSample(rnd)
	}

	delete(s.traces, t.id)
	s.bytes -= int64(t.bytes) + traceOverhead
	s.dBytes -= int64(t.bytes) + traceOverhead
	s.dTraces--

	ctx := context.Background()
	di := decisionIdx(keep)
	p.tb.ProcessorTailSamplerTracesDecided.Add(ctx, 1, p.decidedOpts[ri][di][trig])
	p.tb.ProcessorTailSamplerSpansDecided.Add(ctx, int64(t.spans), p.spanOpts[ri][di])
	p.tb.ProcessorTailSamplerDecisionLatency.Record(ctx, (now-t.first)/int64(time.Millisecond))

	emitted := keep || p.cfg.DryRun
	if emitted {
		if s.kept != nil {
			s.kept.Add(t.id, keptEntry{th: th, rule: int32(ri), keep: keep})
		}
		out = append(out, emitItem{id: t.id, groups: t.groups, spans: t.spans, th: th, rule: int32(ri), keep: keep})
	} else {
		s.forgotDropped += int64(s.dropped.add(t.fp))
	}
	t.groups = nil
	t.keys = nil
	return out
}

func (p *tailSampler) flushShardTelemetry(ctx context.Context, s *shard) {
	s.mu.Lock()
	db, dt, fk, fd := s.dBytes, s.dTraces, s.forgotKept, s.forgotDropped
	s.dBytes, s.dTraces, s.forgotKept, s.forgotDropped = 0, 0, 0, 0
	var refused []int64
	for i, l := range s.limits {
		if l.refused != 0 {
			if refused == nil {
				refused = make([]int64, len(s.limits))
			}
			refused[i], l.refused = l.refused, 0
		}
	}
	s.mu.Unlock()
	for i, n := range refused {
		if n != 0 {
			p.tb.ProcessorTailSamplerRateLimited.Add(ctx, n, p.limitOpts[i])
		}
	}
	if db != 0 {
		p.tb.ProcessorTailSamplerBufferedBytes.Add(ctx, db)
	}
	if dt != 0 {
		p.tb.ProcessorTailSamplerBufferedTraces.Add(ctx, dt)
	}
	if fk != 0 {
		p.tb.ProcessorTailSamplerDecisionsForgotten.Add(ctx, fk, p.forgotOpts[0])
	}
	if fd != 0 {
		p.tb.ProcessorTailSamplerDecisionsForgotten.Add(ctx, fd, p.forgotOpts[1])
	}
}
