package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// keyState is one budget key: its budget and sampler, and its counters
// since the last metrics flush. It belongs to one shard, whose lock guards it.
type keyState struct {
	id       uint64
	name     string
	budget   *budgetState
	lastSeen time.Time

	attrs     metric.MeasurementOption
	dropAttrs [numReasons]metric.MeasurementOption
	overAttrs [numDims]metric.MeasurementOption

	keyCounters
	touched bool
	// owed is the weight (events) of records dropped by the budget, or by
	// sampling below the smallest probability, that no summary could hold
	// (the window table full, or no template: see shed): the key's next
	// kept record carries it (keep).
	owed float64
}

// keyCounters are a key's telemetry since the last flush.
type keyCounters struct {
	ks                               *keyState
	recIn, recOut, bytesIn, bytesOut int64
	recDrop, bytesDrop               [numReasons]int64
	summaries                        int64
	// taken as debt, and kept beyond the budget, by records that are never
	// dropped (records for the records dimension, bytes for the others);
	// fractions carry over to the next flush
	debt, over [numDims]float64
}

func (p *logBudgetProcessor) hashAttrs(c *call, m pcommon.Map, names []string, seed uint64) uint64 {
	buf := c.hashBuf[:0]
	buf = binary.LittleEndian.AppendUint64(buf, seed)
	for _, n := range names {
		if v, ok := m.Get(n); ok {
			buf = append(buf, 1)
			buf = append(buf, v.AsString()...)
		}
		buf = append(buf, 0)
	}
	c.hashBuf = buf
	h := xxhash.Sum64(buf)
	if h == 0 {
		h = 1
	}
	return h
}

// lookupKey returns the key of hash h from sh, whose lock the caller
// holds, or nil when the key table is full: the record then goes to the
// _overflow key (decided under shards[0]'s lock, see decideShards).
func (p *logBudgetProcessor) lookupKey(sh *shard, h uint64, res, rec pcommon.Map, now time.Time) *keyState {
	if ks, ok := sh.keys.Get(h); ok {
		return ks
	}
	// reserve a slot in the shared bound first, so two shards cannot both
	// take the last one
	if p.keyCount.Add(1) > int64(p.cfg.Key.MaxKeys) && !p.evictIdleKey(sh, now) {
		p.keyCount.Add(-1)
		return nil
	}
	vals := make(map[string]string, len(p.keyAttr))
	parts := make([]string, 0, len(p.keyAttr))
	for i, n := range p.keyAttr {
		m := res
		if i >= len(p.cfg.Key.ResourceAttributes) {
			m = rec
		}
		v := missing
		if x, ok := m.Get(n); ok {
			v = x.AsString()
		}
		vals[n] = v
		parts = append(parts, v)
	}
	ks := p.newKeyState(h, strings.Join(parts, "/"), vals, now)
	sh.keys.Add(h, ks)
	return ks
}

// evictIdleKey frees a slot held by a key idle for more than a day (its
// rolling-day window is empty, its buckets full: a fresh key is the same):
// the least recently used key of sh, whose lock the caller holds, or of
// another shard whose lock is free right now (never waited for, so two
// shards looking at once cannot deadlock).
func (p *logBudgetProcessor) evictIdleKey(sh *shard, now time.Time) bool {
	const idle = 24 * time.Hour
	if _, old, ok := sh.keys.GetOldest(); ok && now.Sub(old.lastSeen) > idle {
		sh.keys.RemoveOldest()
		return true
	}
	if now.UnixNano() < p.nextKeyScan.Load() {
		return false
	}
	next := now.Add(idle)
	for _, o := range p.shards {
		if o == sh {
			if _, old, ok := sh.keys.GetOldest(); ok && old.lastSeen.Add(idle).Before(next) {
				next = old.lastSeen.Add(idle)
			}
			continue
		}
		if !o.mu.TryLock() {
			next = now.Add(time.Second) // busy: look again soon
			continue
		}
		_, old, ok := o.keys.GetOldest()
		if ok && now.Sub(old.lastSeen) > idle {
			o.keys.RemoveOldest()
			o.mu.Unlock()
			return true
		}
		if ok && old.lastSeen.Add(idle).Before(next) {
			next = old.lastSeen.Add(idle)
		}
		o.mu.Unlock()
	}
	p.nextKeyScan.Store(next.UnixNano())
	return false
}

func (p *logBudgetProcessor) newKeyState(id uint64, name string, vals map[string]string, now time.Time) *keyState {
	b := p.cfg.Budget
	for _, o := range p.cfg.Overrides {
		if matches(o.Match, vals) {
			b = o.Budget
			break
		}
	}
	ks := &keyState{
		id:       id,
		name:     name,
		lastSeen: now,
		budget:   newBudgetState(b, p.cfg.PricePerGB, p.cfg.Sampling.Enabled, p.cfg.Sampling.Interval, p.cfg.DebtWindow, now),
		attrs:    metric.WithAttributeSet(attribute.NewSet(attribute.String("key", name))),
	}
	ks.ks = ks
	for r := range numReasons {
		ks.dropAttrs[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("key", name), attribute.String("reason", reasonNames[r])))
	}
	return ks
}

// charge counts a record that is kept whatever the budget says, noting what
// the budget could not absorb (nothing to do for a key without a budget).
func (ks *keyState) charge(now time.Time, size int) {
	if !ks.budget.limited() {
		return
	}
	debt, over := ks.budget.charge(now, size)
	for d := range numDims {
		ks.debt[d] += debt[d]
		ks.over[d] += over[d]
	}
}

func matches(want, have map[string]string) bool {
	if have == nil {
		return false
	}
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func (sh *shard) touch(ks *keyState) {
	if !ks.touched {
		ks.touched = true
		sh.touched = append(sh.touched, ks)
	}
}

// takeCountersLocked moves the counters of sh's touched keys to c, so the
// telemetry calls run after the lock is released; dry-run counts are
// recorded at once.
func (p *logBudgetProcessor) takeCountersLocked(ctx context.Context, c *call, sh *shard) {
	for _, ks := range sh.touched {
		ks.touched = false
		kc := ks.keyCounters
		// whole records (bytes) over budget are reported; the fraction waits
		var restDebt, restOver [numDims]float64
		for d := range numDims {
			kc.debt[d], restDebt[d] = whole(kc.debt[d])
			kc.over[d], restOver[d] = whole(kc.over[d])
			if (kc.debt[d] > 0 || kc.over[d] > 0) && ks.overAttrs[d] == nil {
				// made when first needed (most keys never go into debt), under
				// the lock, before any flush reads it
				ks.overAttrs[d] = metric.WithAttributeSet(attribute.NewSet(attribute.String("key", ks.name), attribute.String("budget", dimNames[d])))
			}
		}
		c.flushes = append(c.flushes, kc)
		ks.keyCounters = keyCounters{ks: ks, debt: restDebt, over: restOver}
	}
	sh.touched = sh.touched[:0]
	tb := p.tb
	for k, cnt := range sh.dryTouched {
		set := metric.WithAttributeSet(attribute.NewSet(
			attribute.String("key", k.key),
			attribute.String("reason", reasonNames[k.reason]),
			attribute.String("template", k.template)))
		if cnt[0] > 0 {
			tb.ProcessorLogBudgetDryRunRecords.Add(ctx, cnt[0], set)
		}
		tb.ProcessorLogBudgetDryRunBytes.Add(ctx, cnt[1], set)
	}
	clear(sh.dryTouched)
}

// flushCounters records the counters taken from the shards.
func (p *logBudgetProcessor) flushCounters(ctx context.Context, c *call) {
	tb := p.tb
	for i := range c.flushes {
		kc := &c.flushes[i]
		ks := kc.ks
		p.counts.add(kc)
		if kc.recIn > 0 {
			tb.ProcessorLogBudgetRecordsIn.Add(ctx, kc.recIn, ks.attrs)
			tb.ProcessorLogBudgetBytesIn.Add(ctx, kc.bytesIn, ks.attrs)
		}
		if kc.recOut > 0 || kc.bytesOut > 0 {
			tb.ProcessorLogBudgetRecordsOut.Add(ctx, kc.recOut, ks.attrs)
			tb.ProcessorLogBudgetBytesOut.Add(ctx, kc.bytesOut, ks.attrs)
		}
		if kc.summaries > 0 {
			tb.ProcessorLogBudgetSummaries.Add(ctx, kc.summaries, ks.attrs)
		}
		for r := range numReasons {
			if kc.recDrop[r] > 0 {
				tb.ProcessorLogBudgetRecordsDropped.Add(ctx, kc.recDrop[r], ks.dropAttrs[r])
			}
			if kc.bytesDrop[r] > 0 {
				tb.ProcessorLogBudgetBytesDropped.Add(ctx, kc.bytesDrop[r], ks.dropAttrs[r])
			}
		}
		if n := int64(kc.debt[dimRecords]); n > 0 {
			tb.ProcessorLogBudgetDebtRecords.Add(ctx, n, ks.overAttrs[dimRecords])
		}
		if n := int64(kc.debt[dimBytes]); n > 0 {
			tb.ProcessorLogBudgetDebtBytes.Add(ctx, n, ks.overAttrs[dimBytes])
		}
		if n := int64(kc.over[dimRecords]); n > 0 {
			tb.ProcessorLogBudgetOverBudgetRecords.Add(ctx, n, ks.overAttrs[dimRecords])
		}
		for _, d := range []int{dimBytes, dimDay} {
			if n := int64(kc.over[d]); n > 0 {
				tb.ProcessorLogBudgetOverBudgetBytes.Add(ctx, n, ks.overAttrs[d])
			}
		}
	}
	clear(c.flushes)
	c.flushes = c.flushes[:0]
}

// whole splits v into its whole part and the rest.
func whole(v float64) (w, rest float64) {
	w = math.Floor(v)
	return w, v - w
}
