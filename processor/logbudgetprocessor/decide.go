package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"context"
	"time"
)

// decideShards decides the prepared records shard by shard, holding one
// shard lock at a time: first the shards it can lock without waiting,
// then, waiting, those another call held, so calls carrying the same keys
// do not queue behind each other shard after shard. Records of the
// _overflow key are decided last, under shards[0]'s lock, which holds it.
func (p *logBudgetProcessor) decideShards(ctx context.Context, c *call, now time.Time) {
	for i, sh := range p.shards {
		if len(c.byShard[i]) == 0 {
			continue
		}
		if !sh.mu.TryLock() {
			c.busy = append(c.busy, i)
			continue
		}
		p.decideLocked(ctx, c, sh, c.byShard[i], nil, now)
		sh.mu.Unlock()
	}
	for _, i := range c.busy {
		sh := p.shards[i]
		sh.mu.Lock()
		p.decideLocked(ctx, c, sh, c.byShard[i], nil, now)
		sh.mu.Unlock()
	}
	if len(c.overflow) > 0 {
		sh := p.shards[0]
		sh.mu.Lock()
		p.decideLocked(ctx, c, sh, c.overflow, p.overflow, now)
		sh.mu.Unlock()
	}
}

// decideLocked closes sh's expired windows, decides the records idx (in
// request order) and takes sh's summaries and counters into c. The caller
// holds sh's lock. Each record goes to its key, or to fixed when not nil;
// records whose key sh cannot add go to c.overflow.
func (p *logBudgetProcessor) decideLocked(ctx context.Context, c *call, sh *shard, idx []int32, fixed *keyState, now time.Time) {
	p.expireLocked(sh, now)
	var (
		lastHash uint64
		ks       = fixed
	)
	for _, i := range idx {
		pr := &c.recs[i]
		sc := &c.scopes[pr.scope]
		lr := sc.sl.LogRecords().At(int(i) - sc.start)
		switch {
		case fixed != nil:
		case ks == nil || pr.keyHash != lastHash:
			lastHash = pr.keyHash
			ks = p.lookupKey(sh, pr.keyHash, sc.rl.Resource().Attributes(), lr.Attributes(), now)
		}
		if ks == nil {
			c.overflow = append(c.overflow, i)
			continue
		}
		pr.keep = p.processRecord(sh, ks, sc.rl, sc.sl, lr, pr, now)
	}
	p.collectLocked(ctx, c, sh, &c.summaries)
}
