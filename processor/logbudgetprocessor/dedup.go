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
	hash       uint64
	ks         *keyState
	deadline   time.Time
	template   string
	tmplID     string
	tmplSeq    uint64
	sev        plog.SeverityNumber
	tier       int
	aboveFloor bool
	resource   pcommon.Resource
	scope      pcommon.InstrumentationScope
	first      plog.LogRecord
	count      int64
	weight     float64 // events the count stands for (upstream or our sampling weights)
	firstTime  pcommon.Timestamp
	lastTime   pcommon.Timestamp
	samples    []string
	done       bool
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

func (p *logBudgetProcessor) openWindow(dk uint64, ks *keyState, cl *drain.Cluster, sev plog.SeverityNumber, tier int, aboveFloor bool, now time.Time) *dedupEntry {
	e := &dedupEntry{
		hash:       dk,
		ks:         ks,
		deadline:   now.Add(p.cfg.Dedup.Window),
		tmplSeq:    cl.Seq(),
		sev:        sev,
		tier:       tier,
		aboveFloor: aboveFloor,
	}
	p.dedup.Add(dk, e)
	p.queue = append(p.queue, e)
	return e
}

// absorb counts lr into the window; w is the number of events lr stands for.
func (p *logBudgetProcessor) absorb(e *dedupEntry, cl *drain.Cluster, rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord, body string, w float64) {
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
	e.template = cl.Template()
	e.tmplID = cl.IDString()
	if len(e.samples) < p.cfg.Dedup.SampleValues {
		var n int
		if p.paramBuf, n = p.tree.AppendParams(p.paramBuf[:0], cl, body); n > 0 {
			e.samples = append(e.samples, string(p.paramBuf))
		}
	}
}

// expireLocked emits every window past its deadline.
func (p *logBudgetProcessor) expireLocked(now time.Time) {
	if p.dedup == nil {
		return
	}
	i := 0
	for ; i < len(p.queue) && !p.queue[i].deadline.After(now); i++ {
		e := p.queue[i]
		if !e.done {
			p.emitLocked(e)
			p.dedup.Remove(e.hash)
		}
	}
	if i > 0 {
		n := copy(p.queue, p.queue[i:])
		clear(p.queue[n:])
		p.queue = p.queue[:n]
	}
}

// emitLocked turns a window into a summary record (when it absorbed
// anything) and closes it.
func (p *logBudgetProcessor) emitLocked(e *dedupEntry) {
	e.done = true
	if e.count == 0 || p.cfg.DryRun {
		e.first, e.samples = plog.LogRecord{}, nil
		return
	}
	ks := e.ks
	now := p.clock()
	lr := e.first
	lr.SetTimestamp(e.firstTime)
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	a := lr.Attributes()
	a.PutInt(AttrCount, e.count)
	a.PutStr(AttrTemplate, e.template)
	a.PutStr(AttrTemplateID, e.tmplID)
	a.PutStr(AttrLastEventTime, e.lastTime.AsTime().UTC().Format(time.RFC3339Nano))
	if len(e.samples) > 0 {
		s := a.PutEmptySlice(AttrSampleValues)
		for _, v := range e.samples {
			s.AppendEmpty().SetStr(v)
		}
	}
	a.Remove(AttrAdjustedCount)
	resource, scope := e.resource, e.scope
	e.first, e.samples, e.resource, e.scope = plog.LogRecord{}, nil, pcommon.Resource{}, pcommon.InstrumentationScope{}

	// A summary is never sampled or cut: it is the cheapest record there is
	// for what it stands for, so it is charged to the budget like the floor.
	// Its events carry the average weight of what it absorbed.
	if w := e.weight / float64(e.count); w < 0.999999 || w > 1.000001 {
		a.PutDouble(AttrAdjustedCount, w)
	}
	var sizer plog.ProtoMarshaler
	size := sizer.LogRecordSize(lr)
	p.touch(ks)
	if ks.budget.limited() {
		ks.budget.charge(now, size)
	}
	rl := p.pending.ResourceLogs().AppendEmpty()
	resource.CopyTo(rl.Resource())
	sl := rl.ScopeLogs().AppendEmpty()
	scope.CopyTo(sl.Scope())
	lr.MoveTo(sl.LogRecords().AppendEmpty())
	ks.summaries++
	ks.recOut++
	ks.bytesOut += int64(size)
}

func (p *logBudgetProcessor) takePendingLocked() plog.Logs {
	out := p.pending
	if out.ResourceLogs().Len() > 0 {
		p.pending = plog.NewLogs()
	}
	return out
}
