package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
)

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
// it: always kept), sampling, budget. A stage that drops returns its
// reason; what the budget drops is counted into a summary of its template
// (shed). Dry run is handled here alone: nothing is dropped or written.
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
// plus what its key dropped that no summary could hold (keyState.owed,
// rare: see shed), so that the weights of a key's records out add up to
// its input. Then it counts the record out.
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

func (p *logBudgetProcessor) pass(ks *keyState, size int) bool {
	ks.recOut++
	ks.bytesOut += int64(size)
	return true
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
