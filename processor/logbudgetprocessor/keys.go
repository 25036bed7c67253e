package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"context"
	"encoding/binary"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// keyState is one budget key: its budget and sampler, and its counters
// since the last metrics flush.
type keyState struct {
	id       uint64
	name     string
	budget   *budgetState
	lastSeen time.Time

	attrs     metric.MeasurementOption
	dropAttrs [numReasons]metric.MeasurementOption

	// counters since the last metrics flush
	recIn, recOut, bytesIn, bytesOut int64
	recDrop, bytesDrop               [numReasons]int64
	summaries                        int64
	touched                          bool
}

func (p *logBudgetProcessor) hashAttrs(m pcommon.Map, names []string, seed uint64) uint64 {
	buf := p.hashBuf[:0]
	buf = binary.LittleEndian.AppendUint64(buf, seed)
	for _, n := range names {
		if v, ok := m.Get(n); ok {
			buf = append(buf, 1)
			buf = append(buf, v.AsString()...)
		}
		buf = append(buf, 0)
	}
	p.hashBuf = buf
	return xxhash.Sum64(buf)
}

func (p *logBudgetProcessor) lookupKey(res, rec pcommon.Map, now time.Time) *keyState {
	h := p.hashAttrs(res, p.cfg.Key.ResourceAttributes, 0)
	return p.lookupKeyHashed(res, rec, h, now)
}

func (p *logBudgetProcessor) lookupKeyHashed(res, rec pcommon.Map, resHash uint64, now time.Time) *keyState {
	h := resHash
	if len(p.cfg.Key.RecordAttributes) > 0 {
		h = p.hashAttrs(rec, p.cfg.Key.RecordAttributes, resHash)
	}
	if h == 0 {
		h = 1
	}
	if ks, ok := p.keys.Get(h); ok {
		return ks
	}
	if p.keys.Len() >= p.cfg.Key.MaxKeys {
		// evict only a key idle for a whole day: its budget window is empty
		_, old, ok := p.keys.GetOldest()
		if !ok || now.Sub(old.lastSeen) <= 24*time.Hour {
			return p.overflow
		}
		p.keys.RemoveOldest()
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
	p.keys.Add(h, ks)
	return ks
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
		budget:   newBudgetState(b, p.cfg.PricePerGB, p.cfg.Sampling.Enabled, p.cfg.Sampling.Interval, now),
		attrs:    metric.WithAttributeSet(attribute.NewSet(attribute.String("key", name))),
	}
	for r := range numReasons {
		ks.dropAttrs[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("key", name), attribute.String("reason", reasonNames[r])))
	}
	return ks
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

func (p *logBudgetProcessor) touch(ks *keyState) {
	if !ks.touched {
		ks.touched = true
		p.touched = append(p.touched, ks)
	}
}

func (p *logBudgetProcessor) flushMetricsLocked(ctx context.Context) {
	tb := p.tb
	p.keysGauge.Store(int64(p.keys.Len()))
	p.templatesGauge.Store(int64(p.tree.Len()))
	for _, ks := range p.touched {
		ks.touched = false
		if ks.recIn > 0 {
			tb.ProcessorLogBudgetRecordsIn.Add(ctx, ks.recIn, ks.attrs)
			tb.ProcessorLogBudgetBytesIn.Add(ctx, ks.bytesIn, ks.attrs)
		}
		if ks.recOut > 0 || ks.bytesOut > 0 {
			tb.ProcessorLogBudgetRecordsOut.Add(ctx, ks.recOut, ks.attrs)
			tb.ProcessorLogBudgetBytesOut.Add(ctx, ks.bytesOut, ks.attrs)
		}
		if ks.summaries > 0 {
			tb.ProcessorLogBudgetSummaries.Add(ctx, ks.summaries, ks.attrs)
		}
		for r := range numReasons {
			if ks.recDrop[r] > 0 {
				tb.ProcessorLogBudgetRecordsDropped.Add(ctx, ks.recDrop[r], ks.dropAttrs[r])
			}
			if ks.bytesDrop[r] > 0 {
				tb.ProcessorLogBudgetBytesDropped.Add(ctx, ks.bytesDrop[r], ks.dropAttrs[r])
			}
		}
		ks.recIn, ks.recOut, ks.bytesIn, ks.bytesOut, ks.summaries = 0, 0, 0, 0, 0
		ks.recDrop, ks.bytesDrop = [numReasons]int64{}, [numReasons]int64{}
	}
	p.touched = p.touched[:0]
	for k, c := range p.dryTouched {
		set := metric.WithAttributeSet(attribute.NewSet(
			attribute.String("key", k.key),
			attribute.String("reason", reasonNames[k.reason]),
			attribute.String("template", k.template)))
		if c[0] > 0 {
			tb.ProcessorLogBudgetDryRunRecords.Add(ctx, c[0], set)
		}
		tb.ProcessorLogBudgetDryRunBytes.Add(ctx, c[1], set)
	}
	clear(p.dryTouched)
}
