package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"context"
	"slices"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

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
