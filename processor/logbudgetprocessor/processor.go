package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"

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

// priorityClass is a parsed priority_classes entry.
type priorityClass struct {
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
	if p.classes, err = newClasses(set, cfg.PriorityClasses); err != nil {
		return nil, err
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
		p.shards[i] = p.newShard(i)
	}
	p.overflow = p.newKeyState(0, overflowKey, nil, clock())
	if err = p.registerGauges(); err != nil {
		return nil, err
	}
	return p, nil
}

// newClasses builds the priority classes (priority_classes).
func newClasses(set processor.Settings, cfgs []PriorityClassConfig) ([]priorityClass, error) {
	if len(cfgs) == 0 {
		return nil, nil
	}
	parser, err := newConditionParser(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	classes := make([]priorityClass, 0, len(cfgs))
	for i, pc := range cfgs {
		conds, cerr := parser.ParseConditions(pc.Conditions)
		if cerr != nil {
			return nil, fmt.Errorf("priority_classes[%d].conditions: %w", i, cerr)
		}
		c := priorityClass{
			seq: ottllog.NewConditionSequence(conds, set.TelemetrySettings, ottllog.WithConditionSequenceErrorMode(ottl.IgnoreError)),
		}
		switch pc.Priority {
		case priorityKeep:
			c.keep = true
		case priorityHigh:
			c.tier = tierHigh
		default:
			c.tier = tierLow
		}
		classes = append(classes, c)
	}
	return classes, nil
}

// newShard makes shard i. Each of its tables may hold the whole bound; the
// shared counts (keyCount, windowCount) keep the sum within it.
func (p *logBudgetProcessor) newShard(i int) *shard {
	cfg := p.cfg
	sh := &shard{
		pending:    plog.NewLogs(),
		rng:        rand.New(rand.NewPCG(cfg.Sampling.Seed, 0x6c6f675f62756467+uint64(i))),
		dryTouched: map[dryKey]*[2]int64{},
	}
	sh.keys, _ = simplelru.NewLRU[uint64, *keyState](cfg.Key.MaxKeys, func(uint64, *keyState) {
		p.keyCount.Add(-1)
	})
	// dedup windows, and the shed windows (shed) with dedup off
	sh.dedup, _ = simplelru.NewLRU[uint64, *dedupEntry](cfg.Dedup.MaxEntries, func(_ uint64, e *dedupEntry) {
		p.windowCount.Add(-1)
		if !e.done {
			p.emitLocked(sh, e)
		}
	})
	return sh
}

// registerGauges registers the observed gauges: keys, templates and
// templates evicted.
func (p *logBudgetProcessor) registerGauges() error {
	tb := p.tb
	if err := tb.RegisterProcessorLogBudgetKeysCallback(func(_ context.Context, o metric.Int64Observer) error {
		// the count may be one above the bound for the moment a shard
		// reserves a slot before freeing one; the table never is
		o.Observe(min(p.keyCount.Load(), int64(p.cfg.Key.MaxKeys)))
		return nil
	}); err != nil {
		return err
	}
	if err := tb.RegisterProcessorLogBudgetTemplatesCallback(func(_ context.Context, o metric.Int64Observer) error {
		p.treeMu.Lock()
		n := p.tree.Len()
		p.treeMu.Unlock()
		o.Observe(int64(n))
		return nil
	}); err != nil {
		return err
	}
	for _, c := range []struct {
		register func(metric.Int64Callback) error
		read     func(*drain.Tree) uint64
	}{
		{tb.RegisterProcessorLogBudgetTemplatesEvictedCallback, (*drain.Tree).Evicted},
		{tb.RegisterProcessorLogBudgetTemplatesMergedCallback, (*drain.Tree).Merged},
		{tb.RegisterProcessorLogBudgetTemplatesCandidatesCutCallback, (*drain.Tree).Cut},
	} {
		if err := c.register(p.treeCounter(c.read)); err != nil {
			return err
		}
	}
	return nil
}

// treeCounter observes one of the template tree's counters under its lock.
func (p *logBudgetProcessor) treeCounter(read func(*drain.Tree) uint64) metric.Int64Callback {
	return func(_ context.Context, o metric.Int64Observer) error {
		p.treeMu.Lock()
		n := read(p.tree)
		p.treeMu.Unlock()
		o.Observe(int64(n))
		return nil
	}
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
		p.loops = append(p.loops, ticker.Start(p.cfg.SummaryInterval, p.logIntervalSummary))
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
