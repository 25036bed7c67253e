// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/internal/ticker"
	"github.com/quell-otel/quell/processor/tailsamplerprocessor/internal/metadata"
)

// Attributes stamped on kept spans.
const (
	AttrRule            = "sampling.rule"
	AttrDryRunKept      = "sampling.dry_run.kept"
	AttrDryRunThreshold = "sampling.dry_run.threshold"
	// AttrPartial (true) marks spans kept after the earlier spans of their
	// trace were dropped: an error arrived after the trace was decided.
	AttrPartial = "sampling.partial"
)

type tailSampler struct {
	cfg    *Config
	logger *zap.Logger
	next   consumer.Traces
	rules  *ruleSet
	tb     *metadata.TelemetryBuilder
	shards []*shard
	now    func() int64

	loops    []*ticker.Loop // one per shard, and the summary's
	shutOnce sync.Once
	counts   summaryCounts

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
	}
	for range n {
		p.shards = append(p.shards, newShard(cfg, rules, n))
	}
	p.counts.kept = make([]atomic.Int64, len(rules.rules))
	p.buildMetricOptions()
	return p, nil
}

// newShard returns one of n shards, with its share of the budget and of the
// decision caches.
func newShard(cfg *Config, rules *ruleSet, n int) *shard {
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
	return s
}

// buildMetricOptions builds the attribute sets of the counters once, so
// that recording allocates nothing.
func (p *tailSampler) buildMetricOptions() {
	for _, r := range p.rules.rules {
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
	for _, r := range p.rules.limited {
		p.limitOpts = append(p.limitOpts, metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", r.name))))
	}
	for di, dn := range decisionNames {
		p.lateOpts[di] = metric.WithAttributeSet(attribute.NewSet(attribute.String("decision", dn)))
		p.forgotOpts[di] = metric.WithAttributeSet(attribute.NewSet(attribute.String("decision", dn)))
	}
}

func (p *tailSampler) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (p *tailSampler) Start(context.Context, component.Host) error {
	for _, s := range p.shards {
		p.loops = append(p.loops, ticker.Start(p.cfg.TickInterval, func() {
			_ = p.tickShard(context.Background(), s, p.now()) // deliver logs failures
		}))
	}
	if p.cfg.SummaryInterval > 0 {
		p.loops = append(p.loops, ticker.Start(p.cfg.SummaryInterval, p.logIntervalSummary))
	}
	return nil
}

// Shutdown decides every pending trace (trigger shutdown) and sends the kept
// ones. It is idempotent.
func (p *tailSampler) Shutdown(ctx context.Context) error {
	var err error
	p.shutOnce.Do(func() {
		for _, l := range p.loops {
			l.Stop()
		}
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
		if p.cfg.SummaryInterval > 0 {
			p.logSummary()
		}
		p.tb.Shutdown()
	})
	return err
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
