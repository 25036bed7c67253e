package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
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

	mu         sync.Mutex
	keys       *simplelru.LRU[uint64, *keyState]
	overflow   *keyState
	tree       *drain.Tree
	dedup      *simplelru.LRU[uint64, *dedupEntry]
	queue      []*dedupEntry
	pending    plog.Logs
	rng        *rand.Rand
	touched    []*keyState
	dryTouched map[dryKey]*[2]int64
	hashBuf    []byte
	flat       flattener
	paramBuf   []byte

	keysGauge      atomic.Int64
	templatesGauge atomic.Int64

	needTemplate bool
	truncating   bool

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
}

type dryKey struct {
	key, template string
	reason        int
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
		cfg:     cfg,
		logger:  set.Logger,
		next:    next,
		tb:      tb,
		clock:   clock,
		floor:   floor,
		pending: plog.NewLogs(),
		rng:     rand.New(rand.NewPCG(cfg.Sampling.Seed, 0x6c6f675f62756467)),
		tree: drain.New(drain.Settings{
			Depth:       cfg.Templates.Depth,
			Similarity:  cfg.Templates.Similarity,
			MaxChildren: cfg.Templates.MaxChildren,
			MaxClusters: cfg.Templates.MaxTemplates,
			MaxTokens:   cfg.Templates.MaxTokens,
		}),
		dryTouched: map[dryKey]*[2]int64{},
	}
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
	p.needTemplate = cfg.Dedup.Enabled || cfg.Annotate || cfg.Sampling.Enabled
	p.keys, _ = simplelru.NewLRU[uint64, *keyState](cfg.Key.MaxKeys, nil)
	if cfg.Dedup.Enabled {
		p.dedup, _ = simplelru.NewLRU[uint64, *dedupEntry](cfg.Dedup.MaxEntries, func(_ uint64, e *dedupEntry) {
			if !e.done {
				p.emitLocked(e)
			}
		})
	}
	p.overflow = p.newKeyState(0, overflowKey, nil, clock())
	// the gauges read figures published under the lock, so a metrics
	// collection never waits for (or on) the processor's lock
	if err = tb.RegisterProcessorLogBudgetKeysCallback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(p.keysGauge.Load())
		return nil
	}); err != nil {
		return nil, err
	}
	if err = tb.RegisterProcessorLogBudgetTemplatesCallback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(p.templatesGauge.Load())
		return nil
	}); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *logBudgetProcessor) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

// Start runs the window flusher.
func (p *logBudgetProcessor) Start(_ context.Context, _ component.Host) error {
	if !p.cfg.Dedup.Enabled {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	every := p.cfg.Dedup.Window / 4
	every = max(min(every, time.Second), 50*time.Millisecond)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := p.tick(ctx); err != nil {
					p.logger.Warn("sending dedup summaries failed", zap.Error(err))
				}
			}
		}
	}()
	return nil
}

// Shutdown stops the flusher and emits every open dedup window.
func (p *logBudgetProcessor) Shutdown(ctx context.Context) error {
	var err error
	p.stopOnce.Do(func() {
		if p.cancel != nil {
			p.cancel()
		}
		p.wg.Wait()
		p.mu.Lock()
		if p.dedup != nil {
			for _, e := range p.queue {
				if !e.done {
					p.emitLocked(e)
				}
			}
			p.queue = nil
			p.dedup.Purge()
		}
		out := p.takePendingLocked()
		p.flushMetricsLocked(ctx)
		p.mu.Unlock()
		if out.LogRecordCount() > 0 {
			err = p.next.ConsumeLogs(ctx, out)
		}
		p.tb.Shutdown()
	})
	return err
}

// tick emits the summaries of expired windows.
func (p *logBudgetProcessor) tick(ctx context.Context) error {
	p.mu.Lock()
	p.expireLocked(p.clock())
	out := p.takePendingLocked()
	p.flushMetricsLocked(ctx)
	p.mu.Unlock()
	if out.LogRecordCount() == 0 {
		return nil
	}
	return p.next.ConsumeLogs(ctx, out)
}

func (p *logBudgetProcessor) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	p.mu.Lock()
	now := p.clock()
	p.expireLocked(now)
	rls := ld.ResourceLogs()
	if p.cfg.DryRun {
		for i := 0; i < rls.Len(); i++ {
			p.processResource(ctx, rls.At(i), now)
		}
	} else {
		rls.RemoveIf(func(rl plog.ResourceLogs) bool {
			p.processResource(ctx, rl, now)
			rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool { return sl.LogRecords().Len() == 0 })
			return rl.ScopeLogs().Len() == 0
		})
	}
	summaries := p.takePendingLocked()
	p.flushMetricsLocked(ctx)
	p.mu.Unlock()

	var errs error
	if rls.Len() > 0 {
		errs = p.next.ConsumeLogs(ctx, ld)
	}
	if summaries.ResourceLogs().Len() > 0 {
		errs = errors.Join(errs, p.next.ConsumeLogs(ctx, summaries))
	}
	return errs
}

func (p *logBudgetProcessor) processResource(ctx context.Context, rl plog.ResourceLogs, now time.Time) {
	res := rl.Resource().Attributes()
	var resKS *keyState
	var resHash uint64
	if len(p.cfg.Key.RecordAttributes) == 0 {
		resKS = p.lookupKey(res, pcommon.Map{}, now)
	} else {
		resHash = p.hashAttrs(res, p.cfg.Key.ResourceAttributes, 0)
	}
	sls := rl.ScopeLogs()
	for j := 0; j < sls.Len(); j++ {
		sl := sls.At(j)
		keep := func(lr plog.LogRecord) bool {
			ks := resKS
			if ks == nil {
				ks = p.lookupKeyHashed(res, lr.Attributes(), resHash, now)
			}
			return p.processRecord(ctx, ks, rl, sl, lr, now)
		}
		if p.cfg.DryRun {
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				keep(lrs.At(k))
			}
			continue
		}
		sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool { return !keep(lr) })
	}
}

// processRecord applies every stage to one record and says whether it stays.
func (p *logBudgetProcessor) processRecord(ctx context.Context, ks *keyState, rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord, now time.Time) bool {
	var sizer plog.ProtoMarshaler
	size := sizer.LogRecordSize(lr)
	ks.recIn++
	ks.bytesIn += int64(size)
	ks.lastSeen = now
	p.touch(ks)

	if p.truncating {
		if p.cfg.DryRun {
			tmp := plog.NewLogRecord()
			lr.CopyTo(tmp)
			p.truncate(tmp)
			if cut := size - sizer.LogRecordSize(tmp); cut > 0 {
				p.dry(ks, reasonTruncate, "", 0, int64(cut))
			}
		} else if p.truncate(lr) {
			n := sizer.LogRecordSize(lr)
			ks.bytesDrop[reasonTruncate] += int64(size - n)
			size = n
		}
	}

	sev := severityOf(lr)
	var tier int
	var aboveFloor bool
	if p.floor != plog.SeverityNumberUnspecified && sev >= p.floor {
		// at or above the floor whatever class matches: the tier only
		// matters below it, so the OTTL conditions are not evaluated
		tier, aboveFloor = tierHigh, true
	} else {
		tier, aboveFloor = p.classify(ctx, rl, sl, lr, sev)
	}

	var cl *drain.Cluster
	var body string
	tmplSeq := uint64(seqNonString)
	if p.needTemplate {
		switch b := lr.Body(); b.Type() {
		case pcommon.ValueTypeStr:
			body = b.Str()
		case pcommon.ValueTypeMap:
			body = p.flat.flatten(b.Map())
		}
		if body == "" {
			tmplSeq = seqEmpty
			if lr.Body().Type() != pcommon.ValueTypeStr {
				tmplSeq = seqNonString
			}
		} else {
			cl = p.tree.Add(body)
			tmplSeq = cl.Seq()
		}
	}

	var window *dedupEntry
	if p.dedup != nil && cl != nil {
		var dk uint64
		switch {
		case !aboveFloor:
			dk = p.mix(ks.id, tmplSeq, uint64(sev), 0)
		case p.cfg.Dedup.AboveFloor:
			dk = p.mix(ks.id, xxhash.Sum64String(body), uint64(sev), 1)
		}
		if dk != 0 {
			if e, ok := p.dedup.Peek(dk); ok && !e.done {
				if e.count&63 == 0 {
					p.dedup.Get(dk) // recency, refreshed now and then
				}
				p.absorb(e, cl, rl, sl, lr, body, adjustedCount(lr.Attributes()))
				p.drop(ks, reasonDedup, cl.IDString(), int64(size))
				return p.cfg.DryRun
			}
			window = p.openWindow(dk, ks, cl, sev, tier, aboveFloor, now)
		}
	}

	// annotate what passes dedup (records it absorbs are dropped anyway)
	// out says what the record weighs when it leaves: its size plus the
	// annotations (computed, not re-measured, when they are new attributes)
	out := outSize{size: size}
	if p.cfg.Annotate && cl != nil && !p.cfg.DryRun {
		attrs := lr.Attributes()
		_, had := attrs.Get(AttrTemplate)
		if !had {
			_, had = attrs.Get(AttrTemplateID)
		}
		attrs.PutStr(AttrTemplate, cl.Template())
		attrs.PutStr(AttrTemplateID, cl.IDString())
		if had {
			out.remeasure = true
		} else {
			out.size += strAttrSize(AttrTemplate, cl.Template()) + strAttrSize(AttrTemplateID, cl.IDString())
		}
	}

	if aboveFloor {
		if ks.budget.limited() {
			ks.budget.charge(now, size)
		}
		return p.pass(ks, lr, out)
	}
	if !ks.budget.limited() {
		return p.pass(ks, lr, out)
	}
	sampledP := false
	if p.cfg.Sampling.Enabled {
		prob := ks.budget.prob(now, tmplSeq, tier, size)
		if prob < 1 {
			sampledP = true
			th, keep := p.sample(lr, prob)
			if !keep {
				p.drop(ks, reasonSample, templateIDOf(cl), int64(size))
				return p.cfg.DryRun
			}
			if !p.cfg.DryRun {
				setAdjusted(lr.Attributes(), th.AdjustedCount())
				out.remeasure = true
			}
		}
	}
	if !ks.budget.admit(now, size, tier, sampledP) {
		if window != nil && !window.done {
			// still counted: the window's summary stands for it
			p.absorb(window, cl, rl, sl, lr, body, adjustedCount(lr.Attributes()))
		}
		p.drop(ks, reasonBudget, templateIDOf(cl), int64(size))
		return p.cfg.DryRun
	}
	return p.pass(ks, lr, out)
}

func templateIDOf(cl *drain.Cluster) string {
	if cl == nil {
		return ""
	}
	return cl.IDString()
}

// outSize is a passing record's size: known, or to be measured again.
type outSize struct {
	size      int
	remeasure bool
}

func (p *logBudgetProcessor) pass(ks *keyState, lr plog.LogRecord, out outSize) bool {
	size := out.size
	if out.remeasure {
		var sizer plog.ProtoMarshaler
		size = sizer.LogRecordSize(lr)
	}
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

// sov is the length of n as a protobuf varint.
func sov(n int) int {
	return (bits.Len64(uint64(n)|1) + 6) / 7
}

func (p *logBudgetProcessor) drop(ks *keyState, reason int, tmpl string, size int64) {
	if p.cfg.DryRun {
		p.dry(ks, reason, tmpl, 1, size)
		ks.recOut++
		ks.bytesOut += size
		return
	}
	ks.recDrop[reason]++
	ks.bytesDrop[reason] += size
}

func (p *logBudgetProcessor) dry(ks *keyState, reason int, tmpl string, recs, size int64) {
	k := dryKey{key: ks.name, template: tmpl, reason: reason}
	c := p.dryTouched[k]
	if c == nil {
		c = new([2]int64)
		p.dryTouched[k] = c
	}
	c[0] += recs
	c[1] += size
}

// sample decides with probability prob, consistently by trace ID when the
// record has one.
func (p *logBudgetProcessor) sample(lr plog.LogRecord, prob float64) (sampling.Threshold, bool) {
	th, err := sampling.ProbabilityToThreshold(prob)
	if err != nil {
		// below the smallest representable probability
		return sampling.NeverSampleThreshold, false
	}
	var rnd sampling.Randomness
	if tid := lr.TraceID(); !tid.IsEmpty() {
		rnd = sampling.TraceIDToRandomness(tid)
	} else {
		rnd, _ = sampling.UnsignedToRandomness(p.rng.Uint64() >> 8)
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

func setAdjusted(attrs pcommon.Map, w float64) {
	if v, ok := attrs.Get(AttrAdjustedCount); ok {
		switch v.Type() {
		case pcommon.ValueTypeDouble:
			w *= v.Double()
		case pcommon.ValueTypeInt:
			w *= float64(v.Int())
		}
	}
	attrs.PutDouble(AttrAdjustedCount, w)
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
