package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"

	"github.com/quell-otel/quell/internal/ticker"
	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/metadata"
)

// Attribute names written on records.
const (
	AttrCount         = "log.record.count"
	AttrTemplate      = "log.record.template"
	AttrTemplateID    = "log.record.template_id"
	AttrLastEventTime = "log.record.last_event_time"
	AttrSampleValues  = "log.record.sample_values"
	AttrAdjustedCount = "sampling.adjusted_count"

	overflowKey = "_overflow"
	missing     = "-"
)

// Drop reasons, as the `reason` attribute of the accounting metrics.
const (
	reasonBudget = iota
	reasonSample
	reasonDedup
	reasonTruncate
	numReasons
)

var reasonNames = [numReasons]string{"budget", "sample", "dedup", "truncate"}

// pseudo template numbers for bodies that are not templated
const (
	seqNonString = 1<<63 + iota
	seqEmpty
)

type priorityClass struct {
	name string
	seq  ottl.ConditionSequence[*ottllog.TransformContext]
	tier int
	keep bool
}

// numShards is how many parts the per-key state is split into, each with
// its own lock, so concurrent ConsumeLogs calls for different keys do not
// wait for each other. A power of two, well above the core counts that
// collectors run on, so two busy keys rarely share a lock.
const numShards = 16

// shard holds the state of the keys whose hash falls into it: the keys
// themselves, their dedup windows, the summaries waiting to be sent, and
// the counters waiting to be flushed to telemetry. Its lock is held only
// for decisions; tokenizing, sizing, truncation and OTTL run outside it.
type shard struct {
	mu         sync.Mutex
	keys       *simplelru.LRU[uint64, *keyState]
	dedup      *simplelru.LRU[uint64, *dedupEntry]
	queue      []*dedupEntry
	pending    plog.Logs
	rng        *rand.Rand
	touched    []*keyState
	dryTouched map[dryKey]*[2]int64
	paramBuf   []byte
}

type logBudgetProcessor struct {
	cfg      *Config
	logger   *zap.Logger
	next     consumer.Logs
	tb       *metadata.TelemetryBuilder
	clock    func() time.Time
	floor    plog.SeverityNumber
	classes  []priorityClass
	dropSet  map[string]struct{}
	dropList []string
	keyAttr  []string

	shards [numShards]*shard
	// overflow is the key of records beyond key.max_keys; it lives in shards[0]
	overflow *keyState

	// the template tree is shared by every key (templates agree across keys,
	// and max_templates bounds one table); its lock is held for the shape
	// cache probe and, on a miss, the tree walk (and when the templates
	// gauge reads the table's size)
	treeMu sync.Mutex
	tree   *drain.Tree
	// id and store keep the tree in templates.storage (templatestore.go)
	id    component.ID
	store templateStore

	// bounds shared by the shards: keys and open dedup windows held in all
	// of them (each shard reserves a slot before it adds one)
	keyCount    atomic.Int64
	windowCount atomic.Int64
	// nextKeyScan (unix ns): no key in another shard can have been idle for
	// a day before then, so a full key table need not look
	nextKeyScan atomic.Int64

	calls sync.Pool // *call: per-call scratch

	needTemplate bool
	truncating   bool

	loops       []*ticker.Loop // dedup flusher, summary line
	stopOnce    sync.Once
	counts      summaryCounts
	lastSummary time.Time // written by Start and the summary loop only
}

type dryKey struct {
	key, template string
	reason        int
}

// call is the scratch of one ConsumeLogs call (pooled).
type call struct {
	hashBuf []byte
	flat    flattener
	shapes  []byte
	recs    []prep
	scopes  []scopeRef
	// byShard lists, per shard, the records (indexes into recs) whose key
	// it holds, in request order; overflow those of the _overflow key
	byShard   [numShards][]int32
	overflow  []int32
	busy      []int // shards another call held at the first try
	summaries plog.Logs
	flushes   []keyCounters
}

// scopeRef is a prepared scope of the request: its records are
// c.recs[start:start+n].
type scopeRef struct {
	rl    plog.ResourceLogs
	sl    plog.ScopeLogs
	start int // in c.recs
}

// prep is what is known about a record before any lock is taken.
type prep struct {
	inSize     int // protobuf size as received
	size       int // after truncation (in dry run, as received)
	cut        int // bytes truncation cut (would cut, in dry run)
	sev        plog.SeverityNumber
	tier       int
	aboveFloor bool
	body       string
	templated  bool
	shapeStart int
	shapeEnd   int
	shapeHash  uint64
	view       *drain.View
	keyHash    uint64 // the key's hash (its resource's with resource attributes only)
	scope      int32  // in c.scopes
	hadAnnot   bool   // already carried log.record.template(_id)
	hadWeight  bool   // already carried sampling.adjusted_count
	keep       bool
}

func newProcessor(set processor.Settings, cfg *Config, next consumer.Logs, clock func() time.Time) (*logBudgetProcessor, error) {
	floor, err := parseFloor(cfg.SeverityFloor)
	if err != nil {
		return nil, fmt.Errorf("severity_floor: %w", err)
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("error creating log_budget telemetry: %w", err)
	}
	p := &logBudgetProcessor{
		cfg:    cfg,
		logger: set.Logger,
		next:   next,
		tb:     tb,
		clock:  clock,
		floor:  floor,
		tree:   drain.New(treeSettings(cfg.Templates)),
		id:     set.ID,
	}
	p.calls.New = func() any { return new(call) }
	p.keyAttr = append(append([]string(nil), cfg.Key.ResourceAttributes...), cfg.Key.RecordAttributes...)
	if len(cfg.PriorityClasses) > 0 {
		parser, perr := newConditionParser(set.TelemetrySettings)
		if perr != nil {
			return nil, perr
		}
		for i, pc := range cfg.PriorityClasses {
			conds, cerr := parser.ParseConditions(pc.Conditions)
			if cerr != nil {
				return nil, fmt.Errorf("priority_classes[%d].conditions: %w", i, cerr)
			}
			c := priorityClass{
				name: pc.Name,
				seq:  ottllog.NewConditionSequence(conds, set.TelemetrySettings, ottllog.WithConditionSequenceErrorMode(ottl.IgnoreError)),
			}
			switch pc.Priority {
			case priorityKeep:
				c.keep = true
			case priorityHigh:
				c.tier = tierHigh
			default:
				c.tier = tierLow
			}
			p.classes = append(p.classes, c)
		}
	}
	if len(cfg.Truncate.DropAttributes) > 0 {
		p.dropSet = map[string]struct{}{}
		for _, a := range cfg.Truncate.DropAttributes {
			p.dropSet[a] = struct{}{}
		}
		p.dropList = cfg.Truncate.DropAttributes
	}
	t := cfg.Truncate
	p.truncating = p.dropSet != nil || t.MaxAttributes > 0 || t.MaxAttributeValueBytes > 0 || t.MaxBodyBytes > 0
	// a budget needs templates too: what it drops is summarised per template (shed)
	p.needTemplate = cfg.Dedup.Enabled || cfg.Annotate || cfg.Sampling.Enabled || cfg.limited()
	for i := range p.shards {
		sh := &shard{
			pending:    plog.NewLogs(),
			rng:        rand.New(rand.NewPCG(cfg.Sampling.Seed, 0x6c6f675f62756467+uint64(i))),
			dryTouched: map[dryKey]*[2]int64{},
		}
		// each table may hold the whole bound; the shared counts keep the
		// sum within it
		sh.keys, _ = simplelru.NewLRU[uint64, *keyState](cfg.Key.MaxKeys, func(uint64, *keyState) {
			p.keyCount.Add(-1)
		})
		{ // dedup windows, and the shed windows (shed) with dedup off
			sh.dedup, _ = simplelru.NewLRU[uint64, *dedupEntry](cfg.Dedup.MaxEntries, func(_ uint64, e *dedupEntry) {
				p.windowCount.Add(-1)
				if !e.done {
					p.emitLocked(sh, e)
				}
			})
		}
		p.shards[i] = sh
	}
	p.overflow = p.newKeyState(0, overflowKey, nil, clock())
	if err = tb.RegisterProcessorLogBudgetKeysCallback(func(_ context.Context, o metric.Int64Observer) error {
		// the count may be one above the bound for the moment a shard
		// reserves a slot before freeing one; the table never is
		o.Observe(min(p.keyCount.Load(), int64(p.cfg.Key.MaxKeys)))
		return nil
	}); err != nil {
		return nil, err
	}
	if err = tb.RegisterProcessorLogBudgetTemplatesCallback(func(_ context.Context, o metric.Int64Observer) error {
		p.treeMu.Lock()
		n := p.tree.Len()
		p.treeMu.Unlock()
		o.Observe(int64(n))
		return nil
	}); err != nil {
		return nil, err
	}
	if err = tb.RegisterProcessorLogBudgetTemplatesEvictedCallback(func(_ context.Context, o metric.Int64Observer) error {
		p.treeMu.Lock()
		n := p.tree.Evicted()
		p.treeMu.Unlock()
		o.Observe(int64(n))
		return nil
	}); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *logBudgetProcessor) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

// Start restores the templates (templates.storage) and runs the window
// flusher, the summary line and the templates' save loop.
func (p *logBudgetProcessor) Start(ctx context.Context, host component.Host) error {
	if p.cfg.Templates.Storage != nil {
		if err := p.startTemplateStore(ctx, host); err != nil {
			return err
		}
	}
	p.lastSummary = p.clock()
	if p.cfg.SummaryInterval > 0 {
		p.loops = append(p.loops, ticker.Start(p.cfg.SummaryInterval, p.logSummary))
	}
	every := p.cfg.Dedup.Window / 4
	every = max(min(every, time.Second), 50*time.Millisecond)
	p.loops = append(p.loops, ticker.Start(every, func() {
		if err := p.tick(context.Background()); err != nil {
			p.logger.Warn("sending dedup summaries failed", zap.Error(err))
		}
	}))
	return nil
}

// Shutdown stops the loops, emits every open dedup window and saves the
// templates (templates.storage).
func (p *logBudgetProcessor) Shutdown(ctx context.Context) error {
	var err error
	p.stopOnce.Do(func() {
		for _, l := range p.loops {
			l.Stop()
		}
		err = p.sweep(ctx, func(sh *shard) {
			for _, e := range sh.queue {
				if !e.done {
					p.emitLocked(sh, e)
				}
			}
			sh.queue = nil
			sh.dedup.Purge()
		})
		if p.cfg.SummaryInterval > 0 {
			p.logSummary()
		}
		err = errors.Join(err, p.closeTemplateStore(ctx))
		p.tb.Shutdown()
	})
	return err
}

// tick emits the summaries of expired windows.
func (p *logBudgetProcessor) tick(ctx context.Context) error {
	now := p.clock()
	return p.sweep(ctx, func(sh *shard) { p.expireLocked(sh, now) })
}

// sweep runs f on every shard under its lock, then records the shards'
// counters and sends the summaries they hold.
func (p *logBudgetProcessor) sweep(ctx context.Context, f func(*shard)) error {
	var out plog.Logs
	c := p.getCall()
	for _, sh := range p.shards {
		sh.mu.Lock()
		f(sh)
		p.collectLocked(ctx, c, sh, &out)
		sh.mu.Unlock()
	}
	p.flushCounters(ctx, c)
	p.putCall(c)
	if out == (plog.Logs{}) {
		return nil
	}
	return p.next.ConsumeLogs(ctx, out)
}

func (p *logBudgetProcessor) getCall() *call {
	return p.calls.Get().(*call)
}

func (p *logBudgetProcessor) putCall(c *call) {
	clear(c.recs) // drop references to bodies, views and the request
	c.recs = c.recs[:0]
	clear(c.scopes)
	c.scopes = c.scopes[:0]
	c.shapes = c.shapes[:0]
	for i := range c.byShard {
		c.byShard[i] = c.byShard[i][:0]
	}
	c.overflow, c.busy, c.summaries = c.overflow[:0], c.busy[:0], plog.Logs{}
	p.calls.Put(c)
}

func (p *logBudgetProcessor) shardOf(h uint64) int {
	return int(h % numShards)
}

// ConsumeLogs decides a request in two steps:
//  1. every record is prepared without a shard lock (sizes, truncation,
//     class, template: see prepare) and listed under its key's shard;
//  2. each shard with records is locked once, its records decided in
//     request order, its summaries and counters taken, and unlocked
//     (decide.go). A call holds one shard lock at a time, so there is no
//     lock order; the tree's lock is never held with a shard's.
func (p *logBudgetProcessor) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	c := p.getCall()
	now := p.clock()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		resHash := p.hashAttrs(c, rl.Resource().Attributes(), p.cfg.Key.ResourceAttributes, 0)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			if sls.At(j).LogRecords().Len() > 0 {
				p.prepare(ctx, c, rl, sls.At(j), resHash)
			}
		}
	}
	p.decideShards(ctx, c, now)
	if !p.cfg.DryRun {
		p.removeDropped(c, rls)
	}
	summaries := c.summaries
	p.flushCounters(ctx, c)
	p.putCall(c)

	var errs error
	if rls.Len() > 0 {
		errs = p.next.ConsumeLogs(ctx, ld)
	}
	if summaries != (plog.Logs{}) {
		errs = errors.Join(errs, p.next.ConsumeLogs(ctx, summaries))
	}
	return errs
}

// removeDropped removes the records decided out, and the scopes and
// resources left empty.
func (p *logBudgetProcessor) removeDropped(c *call, rls plog.ResourceLogsSlice) {
	for i := range c.scopes {
		sc := &c.scopes[i]
		k := sc.start
		sc.sl.LogRecords().RemoveIf(func(plog.LogRecord) bool {
			keep := c.recs[k].keep
			k++
			return !keep
		})
	}
	rls.RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool { return sl.LogRecords().Len() == 0 })
		return rl.ScopeLogs().Len() == 0
	})
}

// collectLocked moves sh's waiting summaries to *out (made when there are
// some) and its counters to c.
func (p *logBudgetProcessor) collectLocked(ctx context.Context, c *call, sh *shard, out *plog.Logs) {
	if sh.pending.ResourceLogs().Len() > 0 {
		if *out == (plog.Logs{}) {
			*out = plog.NewLogs()
		}
		sh.pending.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
	}
	p.takeCountersLocked(ctx, c, sh)
}

// prepare does, without any shard lock, what needs no key state for the
// records of one scope: sizes, truncation, severity and priority class, the
// key's hash, the body to template and its masked shape; then it looks
// every templated body up in the tree under one short hold of the tree's
// lock. It appends the records to c.recs, each listed under its key's
// shard, and the scope to c.scopes.
func (p *logBudgetProcessor) prepare(ctx context.Context, c *call, rl plog.ResourceLogs, sl plog.ScopeLogs, resHash uint64) {
	lrs := sl.LogRecords()
	n := lrs.Len()
	start := len(c.recs)
	c.recs = slices.Grow(c.recs, n)[:start+n]
	recs := c.recs[start:]
	scope := int32(len(c.scopes))
	c.scopes = append(c.scopes, scopeRef{rl: rl, sl: sl, start: start})
	templated := false
	for k := range n {
		pr := &recs[k]
		if p.prepRecord(ctx, c, rl, sl, lrs.At(k), pr, resHash) {
			templated = true
		}
		pr.scope = scope
		si := p.shardOf(pr.keyHash)
		c.byShard[si] = append(c.byShard[si], int32(start+k))
	}
	if templated {
		p.treeMu.Lock()
		for k := range recs {
			if pr := &recs[k]; pr.templated {
				pr.view = p.tree.AddShaped(pr.body, c.shapes[pr.shapeStart:pr.shapeEnd], pr.shapeHash).View()
			}
		}
		p.treeMu.Unlock()
	}
}

// prepRecord does, without any lock, one record's part of prepare; it
// reports whether the record has a body to template.
func (p *logBudgetProcessor) prepRecord(ctx context.Context, c *call, rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord, pr *prep, resHash uint64) bool {
	var sizer plog.ProtoMarshaler
	*pr = prep{}
	pr.inSize = sizer.LogRecordSize(lr)
	pr.size = pr.inSize
	if p.truncating {
		if p.cfg.DryRun {
			tmp := plog.NewLogRecord()
			lr.CopyTo(tmp)
			p.truncate(tmp)
			pr.cut = max(0, pr.inSize-sizer.LogRecordSize(tmp))
		} else if p.truncate(lr) {
			pr.size = sizer.LogRecordSize(lr)
			pr.cut = pr.inSize - pr.size
		}
	}
	pr.sev = severityOf(lr)
	if p.floor != plog.SeverityNumberUnspecified && pr.sev >= p.floor {
		// at or above the floor whatever class matches: the tier only
		// matters below it, so the OTTL conditions are not evaluated
		pr.tier, pr.aboveFloor = tierHigh, true
	} else {
		pr.tier, pr.aboveFloor = p.classify(ctx, rl, sl, lr, pr.sev)
	}
	if p.cfg.Sampling.Enabled {
		_, pr.hadWeight = lr.Attributes().Get(AttrAdjustedCount)
	}
	pr.keyHash = resHash
	if len(p.cfg.Key.RecordAttributes) > 0 {
		pr.keyHash = p.hashAttrs(c, lr.Attributes(), p.cfg.Key.RecordAttributes, resHash)
	}
	if !p.needTemplate {
		return false
	}
	switch b := lr.Body(); b.Type() {
	case pcommon.ValueTypeStr:
		pr.body = b.Str()
	case pcommon.ValueTypeMap:
		pr.body = c.flat.flatten(b.Map())
	}
	if pr.body != "" {
		pr.templated = true
		pr.shapeStart = len(c.shapes)
		c.shapes, pr.shapeHash = p.tree.AppendShape(c.shapes, pr.body)
		pr.shapeEnd = len(c.shapes)
	}
	if p.cfg.Annotate {
		attrs := lr.Attributes()
		_, pr.hadAnnot = attrs.Get(AttrTemplate)
		if !pr.hadAnnot {
			_, pr.hadAnnot = attrs.Get(AttrTemplateID)
		}
	}
	return pr.templated
}

// recordState carries one record through the stages of processRecord.
type recordState struct {
	sh      *shard
	ks      *keyState
	rl      plog.ResourceLogs
	sl      plog.ScopeLogs
	lr      plog.LogRecord
	pr      *prep
	now     time.Time
	tmplSeq uint64
	window  *dedupEntry // the dedup window the record opened, if any
	out     outSize     // what the record weighs when it leaves
	weight  float64     // events it stands for: upstream weight x 1/p
	sampled bool        // its template is being sampled
}

// processRecord applies the stages that need the key's state to one record
// and says whether it stays. sh is the key's shard, whose lock the caller
// holds. The stages, in
// order: count it in, dedup (absorbed into an open window), floor (above
// it: always kept), sampling, budget; a kept record then carries the
// weight of what its key dropped (keep). A stage that drops returns its
// reason; dry run is handled here alone: nothing is dropped or written.
func (p *logBudgetProcessor) processRecord(sh *shard, ks *keyState, rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord, pr *prep, now time.Time) bool {
	r := &recordState{sh: sh, ks: ks, rl: rl, sl: sl, lr: lr, pr: pr, now: now, out: outSize{size: pr.size}}
	p.countIn(r)
	reason := p.stages(r)
	if reason < 0 {
		p.keep(r)
		return true
	}
	if !p.cfg.DryRun && (reason == reasonBudget || reason == reasonSample) && r.weight > 0 {
		p.shed(r)
	}
	p.drop(sh, ks, reason, templateIDOf(pr.view), int64(pr.size))
	return p.cfg.DryRun
}

// stages runs the dropping stages: -1 keeps the record, else the reason.
func (p *logBudgetProcessor) stages(r *recordState) int {
	if p.dedupStage(r) {
		return reasonDedup
	}
	p.annotateSize(r)
	if r.pr.aboveFloor || !r.ks.budget.limited() {
		return -1
	}
	if p.cfg.Sampling.Enabled && !p.sampleStage(r) {
		return reasonSample
	}
	if !p.budgetStage(r) {
		return reasonBudget
	}
	return -1
}

// countIn counts the record into its key and notes what truncation cut.
func (p *logBudgetProcessor) countIn(r *recordState) {
	ks, pr := r.ks, r.pr
	ks.recIn++
	ks.bytesIn += int64(pr.inSize)
	ks.lastSeen = r.now
	r.sh.touch(ks)
	r.weight = adjustedCount(r.lr.Attributes())
	if pr.cut > 0 {
		if p.cfg.DryRun {
			p.dry(r.sh, ks, reasonTruncate, "", 0, int64(pr.cut))
		} else {
			ks.bytesDrop[reasonTruncate] += int64(pr.cut)
		}
	}
	r.tmplSeq = uint64(seqNonString)
	switch {
	case pr.view != nil:
		r.tmplSeq = pr.view.Seq
	case p.needTemplate && r.lr.Body().Type() == pcommon.ValueTypeStr:
		r.tmplSeq = seqEmpty
	}
}

// dedupStage absorbs the record into its open window (true), or opens one
// that it leads.
func (p *logBudgetProcessor) dedupStage(r *recordState) bool {
	sh, pr := r.sh, r.pr
	if !p.cfg.Dedup.Enabled || pr.view == nil {
		return false
	}
	var dk uint64
	switch {
	case !pr.aboveFloor:
		dk = p.mix(r.ks.id, r.tmplSeq, uint64(pr.sev), 0)
	case p.cfg.Dedup.AboveFloor:
		dk = p.mix(r.ks.id, xxhash.Sum64String(pr.body), uint64(pr.sev), 1)
	default:
		return false
	}
	if e, ok := sh.dedup.Peek(dk); ok && !e.done {
		if e.count&63 == 0 {
			sh.dedup.Get(dk) // recency, refreshed now and then
		}
		p.absorb(sh, e, pr.view, r.rl, r.sl, r.lr, pr.body, r.weight)
		r.weight = 0 // the window's summary stands for it
		return true
	}
	r.window = p.openWindow(sh, dk, r.ks, r.now)
	return false
}

// annotateSize adds the template annotations to the record's outgoing size
// (written by keep).
func (p *logBudgetProcessor) annotateSize(r *recordState) {
	v := r.pr.view
	if !p.cfg.Annotate || v == nil || p.cfg.DryRun {
		return
	}
	if r.pr.hadAnnot {
		r.out.remeasure = true
	} else {
		r.out.size += strAttrSize(AttrTemplate, v.Template) + strAttrSize(AttrTemplateID, v.ID)
	}
}

// sampleStage keeps the record with the probability its key's sampler gives
// its template; a kept record's weight grows by 1/p, so that it stands for
// the records of its template sampled out (an unbiased estimate). A record
// the sampler cannot represent (a probability below the smallest threshold)
// keeps its weight, owed to the key's next kept record.
func (p *logBudgetProcessor) sampleStage(r *recordState) bool {
	// what the record weighs if it is kept with a weight
	weighted := r.out.size
	if !r.pr.hadWeight {
		weighted += dblAttrSize(AttrAdjustedCount)
	}
	prob := r.ks.budget.prob(r.now, r.tmplSeq, r.pr.tier, r.out.size, weighted)
	if prob >= 1 {
		return true
	}
	r.sampled = true
	th, keep := p.sample(r.sh, r.lr, prob)
	if !keep {
		if th != sampling.NeverSampleThreshold {
			r.weight = 0 // kept records of its template stand for it
		}
		return false
	}
	r.weight *= th.AdjustedCount()
	return true
}

// budgetStage takes budget for the record; when there is none left, a
// window it opened still counts it.
func (p *logBudgetProcessor) budgetStage(r *recordState) bool {
	p.weightSize(r)
	return r.ks.budget.admit(r.now, r.out.measure(r.lr), r.pr.tier, r.sampled)
}

// shed counts a record dropped by the budget, or by sampling below the
// smallest probability, into a summary of its (key, template, severity):
// the dedup window it opened, or with dedup off a shed window of the same
// shape (dedup.window long, within dedup.max_entries). So every template
// dropped keeps its count, on a record of its own, instead of loading the
// weight onto an unrelated kept record. Only when no window can be opened
// (the table full, or no template) does the key's next kept record carry it.
func (p *logBudgetProcessor) shed(r *recordState) {
	e := r.window
	if e == nil && !p.cfg.Dedup.Enabled && r.pr.view != nil {
		dk := p.mix(r.ks.id, r.tmplSeq, uint64(r.pr.sev), 0)
		if o, ok := r.sh.dedup.Peek(dk); ok && !o.done {
			e = o
		} else {
			if e = p.openWindow(r.sh, dk, r.ks, r.now); e != nil {
				e.shed = true
			}
		}
	}
	if e == nil || e.done {
		r.ks.owed += r.weight
		return
	}
	p.absorb(r.sh, e, r.pr.view, r.rl, r.sl, r.lr, r.pr.body, r.weight)
	r.weight = 0
}

// weightSize adds the weight attribute to the record's outgoing size when
// it will carry one.
func (p *logBudgetProcessor) weightSize(r *recordState) {
	if p.cfg.DryRun || (r.weight == adjustedCount(r.lr.Attributes()) && r.ks.owed == 0) {
		return
	}
	if r.pr.hadWeight {
		r.out.remeasure = true
	} else if !r.out.weighted {
		r.out.size += dblAttrSize(AttrAdjustedCount)
		r.out.weighted = true
	}
}

// keep writes the annotations and the weight of a kept record: its own,
// plus what its key dropped since its last kept record that nothing else
// stands for (keyState.owed), so that the weights of a key's kept records
// add up to its input. Then it counts the
// record out.
func (p *logBudgetProcessor) keep(r *recordState) {
	if p.cfg.DryRun {
		if r.pr.aboveFloor {
			r.ks.charge(r.now, r.pr.size)
		}
		p.pass(r.ks, r.pr.size)
		return
	}
	attrs := r.lr.Attributes()
	if v := r.pr.view; p.cfg.Annotate && v != nil {
		attrs.PutStr(AttrTemplate, v.Template)
		attrs.PutStr(AttrTemplateID, v.ID)
	}
	p.weightSize(r)
	if w := r.weight + r.ks.owed; w != adjustedCount(attrs) {
		attrs.PutDouble(AttrAdjustedCount, w)
	}
	r.ks.owed = 0
	final := r.out.measure(r.lr)
	if r.pr.aboveFloor {
		// never dropped: charged in full (the key's lower severities pay
		// it back, see budgetState.charge)
		r.ks.charge(r.now, final)
	}
	p.pass(r.ks, final)
}

func templateIDOf(v *drain.View) string {
	if v == nil {
		return ""
	}
	return v.ID
}

// outSize is a passing record's size: known, or to be measured again.
type outSize struct {
	size      int
	remeasure bool
	weighted  bool // size counts a new weight attribute
}

func (o outSize) measure(lr plog.LogRecord) int {
	if o.remeasure {
		var sizer plog.ProtoMarshaler
		return sizer.LogRecordSize(lr)
	}
	return o.size
}

func (p *logBudgetProcessor) pass(ks *keyState, size int) bool {
	ks.recOut++
	ks.bytesOut += int64(size)
	return true
}

// strAttrSize is what a new string attribute adds to a record's protobuf
// size: the attributes field (tag 6) holding a KeyValue {key (tag 1), value
// (tag 2): AnyValue {string_value (tag 1)}}.
func strAttrSize(key, val string) int {
	av := 1 + sov(len(val)) + len(val)
	kv := 1 + sov(av) + av
	if key != "" {
		kv += 1 + sov(len(key)) + len(key)
	}
	return 1 + sov(kv) + kv
}

// dblAttrSize is what a new double attribute adds to a record's protobuf
// size: as strAttrSize, with AnyValue {double_value (tag 4, fixed64)}.
func dblAttrSize(key string) int {
	av := 1 + 8
	kv := 1 + sov(av) + av + 1 + sov(len(key)) + len(key)
	return 1 + sov(kv) + kv
}

// sov is the length of n as a protobuf varint.
func sov(n int) int {
	return (bits.Len64(uint64(n)|1) + 6) / 7
}

func (p *logBudgetProcessor) drop(sh *shard, ks *keyState, reason int, tmpl string, size int64) {
	if p.cfg.DryRun {
		p.dry(sh, ks, reason, tmpl, 1, size)
		p.pass(ks, int(size))
		return
	}
	ks.recDrop[reason]++
	ks.bytesDrop[reason] += size
}

func (p *logBudgetProcessor) dry(sh *shard, ks *keyState, reason int, tmpl string, recs, size int64) {
	k := dryKey{key: ks.name, template: tmpl, reason: reason}
	c := sh.dryTouched[k]
	if c == nil {
		c = new([2]int64)
		sh.dryTouched[k] = c
	}
	c[0] += recs
	c[1] += size
}

// sample decides with probability prob, consistently by trace ID when the
// record has one.
func (p *logBudgetProcessor) sample(sh *shard, lr plog.LogRecord, prob float64) (sampling.Threshold, bool) {
	th, err := sampling.ProbabilityToThreshold(prob)
	if err != nil {
		// below the smallest representable probability
		return sampling.NeverSampleThreshold, false
	}
	var rnd sampling.Randomness
	if tid := lr.TraceID(); !tid.IsEmpty() {
		rnd = sampling.TraceIDToRandomness(tid)
	} else {
		rnd, _ = sampling.UnsignedToRandomness(sh.rng.Uint64() >> 8)
	}
	return th, th.ShouldSample(rnd)
}

// adjustedCount is the number of events a record stands for (1 unless sampled).
func adjustedCount(attrs pcommon.Map) float64 {
	if v, ok := attrs.Get(AttrAdjustedCount); ok {
		switch v.Type() {
		case pcommon.ValueTypeDouble:
			return v.Double()
		case pcommon.ValueTypeInt:
			return float64(v.Int())
		}
	}
	return 1
}

func (p *logBudgetProcessor) classify(ctx context.Context, rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord, sev plog.SeverityNumber) (int, bool) {
	if len(p.classes) > 0 {
		tctx := ottllog.NewTransformContextPtr(rl, sl, lr)
		for i := range p.classes {
			if ok, _ := p.classes[i].seq.Eval(ctx, tctx); ok {
				tctx.Close()
				return p.classes[i].tier, p.classes[i].keep
			}
		}
		tctx.Close()
	}
	switch {
	case sev == plog.SeverityNumberUnspecified:
		return tierInfo, false
	case sev < plog.SeverityNumberDebug:
		return tierTrace, false
	case sev < plog.SeverityNumberInfo:
		return tierDebug, false
	case sev < plog.SeverityNumberWarn:
		return tierInfo, false
	case sev < plog.SeverityNumberError:
		return tierWarn, false
	default:
		return tierHigh, false
	}
}
