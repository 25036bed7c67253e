package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"encoding/binary"
	"time"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
)

// dedupEntry is an open dedup window of one (key, template, severity), or of
// one identical body above the floor with dedup.above_floor.
type dedupEntry struct {
	hash      uint64
	ks        *keyState
	deadline  time.Time
	view      *drain.View // the template as of the last record absorbed
	resource  pcommon.Resource
	scope     pcommon.InstrumentationScope
	first     plog.LogRecord
	count     int64
	weight    float64 // events the count stands for (upstream or our sampling weights)
	firstTime pcommon.Timestamp
	lastTime  pcommon.Timestamp
	samples   []string
	done      bool
	// shed: a shed window (dedup off, see shed), whose summary waits past
	// its deadline until the key's budget has room for it
	shed bool
}

// mix hashes four numbers into a window key (never 0).
func (p *logBudgetProcessor) mix(a, b, c, d uint64) uint64 {
	var buf [32]byte
	binary.LittleEndian.PutUint64(buf[0:], a)
	binary.LittleEndian.PutUint64(buf[8:], b)
	binary.LittleEndian.PutUint64(buf[16:], c)
	binary.LittleEndian.PutUint64(buf[24:], d)
	h := xxhash.Sum64(buf[:])
	if h == 0 {
		h = 1
	}
	return h
}

// openWindow opens a window in sh, or returns nil when dedup.max_entries
// windows are open and sh has none to close early (the record then passes
// undeduplicated: the bound holds across shards without waiting on another
// shard's lock).
func (p *logBudgetProcessor) openWindow(sh *shard, dk uint64, ks *keyState, now time.Time) *dedupEntry {
	if p.windowCount.Add(1) > int64(p.cfg.Dedup.MaxEntries) {
		if sh.dedup.Len() == 0 {
			p.windowCount.Add(-1)
			return nil
		}
		// the least recently used window of this shard closes early and
		// emits its summary (the eviction callback gives back its slot)
		sh.dedup.RemoveOldest()
	}
	e := &dedupEntry{hash: dk, ks: ks, deadline: now.Add(p.cfg.Dedup.Window)}
	sh.dedup.Add(dk, e)
	sh.queue = append(sh.queue, e)
	return e
}

// absorb counts lr into the window; w is the number of events lr stands for.
func (p *logBudgetProcessor) absorb(sh *shard, e *dedupEntry, v *drain.View, rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord, body string, w float64) {
	e.weight += w
	ts := lr.Timestamp()
	if ts == 0 {
		ts = lr.ObservedTimestamp()
	}
	if e.count == 0 {
		e.firstTime, e.lastTime = ts, ts
	}
	if e.count == 0 && !p.cfg.DryRun {
		e.first = plog.NewLogRecord()
		lr.CopyTo(e.first)
		e.resource = pcommon.NewResource()
		rl.Resource().CopyTo(e.resource)
		e.scope = pcommon.NewInstrumentationScope()
		sl.Scope().CopyTo(e.scope)
	}
	e.count++
	if ts < e.firstTime {
		e.firstTime = ts
	}
	if ts > e.lastTime {
		e.lastTime = ts
	}
	e.view = v
	if len(e.samples) < p.cfg.Dedup.SampleValues {
		var n int
		if sh.paramBuf, n = v.AppendParams(sh.paramBuf[:0], body); n > 0 {
			e.samples = append(e.samples, string(sh.paramBuf))
		}
	}
}

// expireLocked emits every window of sh past its deadline. A shed window
// the key's budget has no room for stays open one more window (its
// deadline is then the latest, so the queue stays in deadline order); it
// is emitted whatever the budget at shutdown or when evicted.
func (p *logBudgetProcessor) expireLocked(sh *shard, now time.Time) {
	i := 0
	var later []*dedupEntry
	for ; i < len(sh.queue) && !sh.queue[i].deadline.After(now); i++ {
		e := sh.queue[i]
		switch {
		case e.done:
		case e.shed && !e.ks.budget.room(now, p.stampSummary(e, now)):
			e.deadline = now.Add(p.cfg.Dedup.Window)
			later = append(later, e)
		default:
			p.emitLocked(sh, e)
			sh.dedup.Remove(e.hash)
		}
	}
	if i > 0 {
		n := copy(sh.queue, sh.queue[i:])
		clear(sh.queue[n:])
		sh.queue = append(sh.queue[:n], later...)
	}
}

// emitLocked turns a window into a summary record (when it absorbed
// anything) and closes it.
func (p *logBudgetProcessor) emitLocked(sh *shard, e *dedupEntry) {
	e.done = true
	if e.count == 0 || p.cfg.DryRun {
		e.first, e.samples, e.view = plog.LogRecord{}, nil, nil
		return
	}
	ks := e.ks
	now := p.clock()
	size := p.stampSummary(e, now)
	lr, resource, scope := e.first, e.resource, e.scope
	e.first, e.samples, e.view, e.resource, e.scope = plog.LogRecord{}, nil, nil, pcommon.Resource{}, pcommon.InstrumentationScope{}

	// A summary is never sampled or cut: it is the cheapest record there is
	// for what it stands for, so it is charged to the budget like the floor.
	sh.touch(ks)
	ks.charge(now, size)
	rl := sh.pending.ResourceLogs().AppendEmpty()
	resource.CopyTo(rl.Resource())
	sl := rl.ScopeLogs().AppendEmpty()
	scope.CopyTo(sl.Scope())
	lr.MoveTo(sl.LogRecords().AppendEmpty())
	ks.summaries++
	p.pass(ks, size)
}

// stampSummary writes the summary attributes of an open window onto its
// first record (a copy the window owns; written again if the window stays
// open) and returns the record's size. Its events carry the average weight
// of what it absorbed.
func (p *logBudgetProcessor) stampSummary(e *dedupEntry, now time.Time) int {
	if e.count == 0 {
		return 0
	}
	lr := e.first
	lr.SetTimestamp(e.firstTime)
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	a := lr.Attributes()
	a.PutInt(AttrCount, e.count)
	a.PutStr(AttrTemplate, e.view.Template)
	a.PutStr(AttrTemplateID, e.view.ID)
	a.PutStr(AttrLastEventTime, e.lastTime.AsTime().UTC().Format(time.RFC3339Nano))
	if len(e.samples) > 0 {
		s := a.PutEmptySlice(AttrSampleValues)
		for _, v := range e.samples {
			s.AppendEmpty().SetStr(v)
		}
	}
	a.Remove(AttrAdjustedCount)
	if w := e.weight / float64(e.count); w < 0.999999 || w > 1.000001 {
		a.PutDouble(AttrAdjustedCount, w)
	}
	var sizer plog.ProtoMarshaler
	return sizer.LogRecordSize(lr)
}
