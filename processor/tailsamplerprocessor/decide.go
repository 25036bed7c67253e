// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"context"
	"errors"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
)

// tickShard decides the traces of one shard that are due at now.
func (p *tailSampler) tickShard(ctx context.Context, s *shard, now int64) error {
	sc := p.getScratch()
	defer p.release(sc)
	var out []emitItem
	s.mu.Lock()
	for {
		e, ok := s.roots.peek(s.liveRoot)
		if !ok || e.at > now {
			break
		}
		s.roots.pop()
		out = p.decide(s, s.traces[e.id], now, triggerRoot, out)
	}
	wait := int64(p.cfg.DecisionWait)
	for {
		e, ok := s.arrivals.peek(s.liveArrival)
		if !ok || e.at+wait > now {
			break
		}
		s.arrivals.pop()
		out = p.decide(s, s.traces[e.id], now, triggerTimeout, out)
	}
	s.mu.Unlock()
	p.flushShardTelemetry(ctx, s)
	return p.deliver(ctx, sc, out, "tick")
}

// tick decides due traces in every shard (tests drive time through it).
func (p *tailSampler) tick(ctx context.Context, now int64) error {
	var err error
	for _, s := range p.shards {
		err = errors.Join(err, p.tickShard(ctx, s, now))
	}
	return err
}

// Under memory pressure, traces are decided early in three passes, each
// oldest first, so that the decisions least likely to change go first:
//  1. among the older half of the pending traces, those whose root has
//     arrived: the most likely to be complete (a root span ends, and is
//     sent, after its children). One holding an error goes too: its
//     decision will not change and its late spans follow it, while
//     holding it back would fill the buffer with complete error traces
//     and leave pass 2 to decide growing ones, whose error may be late;
//  2. any trace holding no error (age is the best sign of completeness);
//  3. traces still growing that hold an error, last.
const numPressurePasses = 3

// pressurePass says whether t may be decided early in pass, the i-th of n
// pending traces (oldest first).
func pressurePass(t *trace, pass, i, n int) bool {
	switch pass {
	case 0:
		return t.hasRoot && i < n/2
	case 1:
		return !t.hasError
	default:
		return true
	}
}

// relievePressure decides traces early (see numPressurePasses) until the
// shard is back under 90% of its budget (lock held). Stale queue entries
// (of traces decided on their root) are dropped first.
func (p *tailSampler) relievePressure(s *shard, now int64, out []emitItem) []emitItem {
	target := s.budget / 10 * 9
	if s.queueBytes() > int64(len(s.traces))*2*fifoEntrySize+4096 {
		s.arrivals.compact(s.liveArrival)
		s.roots.compact(s.liveRoot)
	}
	// Deciding a trace leaves its queue entries stale until the next
	// compaction, so count the queues as two entries per pending trace.
	over := func() bool { return s.bytes+int64(len(s.traces))*2*fifoEntrySize > target }
	early := int64(0)
	for pass := 0; pass < numPressurePasses && over(); pass++ {
		entries := s.arrivals.entries()
		for i, e := range entries {
			if !over() {
				break
			}
			if t := s.pending(e, false); t != nil && pressurePass(t, pass, i, len(entries)) {
				out = p.decide(s, t, now, triggerMemory, out)
				early++
			}
		}
	}
	s.arrivals.peek(s.liveArrival)
	if early > 0 {
		p.tb.ProcessorTailSamplerEarlyDecisions.Add(context.Background(), early)
		p.counts.early.Add(early)
	}
	return out
}

// verdict is what the rules say about a trace.
type verdict struct {
	rule int32
	th   sampling.Threshold
	keep bool
}

// evaluate applies the rules to t: the first matching rule gives the
// threshold, the trace's randomness the decision; a rule with passOn that
// does not keep t hands it to the next rule (lock held: adaptive and
// rate-limited rules count what they see). Randomness is consistent, so a
// trace kept after passing on is kept by the most permissive threshold it
// met, which is the one recorded.
func (p *tailSampler) evaluate(s *shard, t *trace, now int64) verdict {
	sum := summary{bits: t.bits, spans: uint64(t.spans)}
	if t.maxEnd > t.minStart {
		sum.duration = t.maxEnd - t.minStart
	}
	rnd := sampling.TraceIDToRandomness(t.id)
	if t.hasRV {
		rnd, _ = sampling.UnsignedToRandomness(t.rv)
	}
	last := len(p.rules.rules) - 1
	for i := range p.rules.rules {
		r := &p.rules.rules[i]
		if i < last && !r.cond.eval(&sum) {
			continue
		}
		v := p.apply(s, r, int32(i), t, rnd, now)
		if v.keep || !r.passOn || i == last {
			return v
		}
	}
	return verdict{rule: int32(last), th: sampling.NeverSampleThreshold}
}

// apply is rule r's decision on t, which r matches.
func (p *tailSampler) apply(s *shard, r *rule, ri int32, t *trace, rnd sampling.Randomness, now int64) verdict {
	v := verdict{rule: ri}
	switch r.mode {
	case modeAlways:
		v.th = sampling.AlwaysSampleThreshold
	case modeProbability:
		v.th = r.threshold
	case modeDrop:
		return verdict{rule: ri, th: sampling.NeverSampleThreshold}
	case modeAdaptive:
		v.th = p.adaptiveThreshold(s, r, t, now)
	}
	if r.rateLimit != nil {
		l, cost := s.limits[r.limitIdx], r.limitCost(t)
		v.th = l.threshold(v.th, cost, now)
		v.keep = v.th.ShouldSample(rnd) && l.take(cost)
	} else {
		v.keep = v.th.ShouldSample(rnd)
	}
	return v
}

// adaptiveThreshold is the threshold an adaptive rule gives t's key now.
func (p *tailSampler) adaptiveThreshold(s *shard, r *rule, t *trace, now int64) sampling.Threshold {
	key := ""
	if r.adaptIdx < len(t.keys) {
		key = t.keys[r.adaptIdx]
	}
	for _, f := range r.keyFields {
		if f.kind == keyStatus {
			if t.hasError {
				key += "\x1ferror"
			} else {
				key += "\x1fok"
			}
		}
	}
	th, err := sampling.ProbabilityToThreshold(s.adaptive[r.adaptIdx].probability(key, now))
	if err != nil {
		return sampling.AlwaysSampleThreshold
	}
	return th
}

// decide evaluates t, removes it from the shard and remembers the decision
// (lock held). Kept traces are appended to out.
func (p *tailSampler) decide(s *shard, t *trace, now int64, trig trigger, out []emitItem) []emitItem {
	v := p.evaluate(s, t, now)
	s.remove(t)

	ctx := context.Background()
	di := decisionIdx(v.keep)
	p.tb.ProcessorTailSamplerTracesDecided.Add(ctx, 1, p.decidedOpts[v.rule][di][trig])
	p.tb.ProcessorTailSamplerSpansDecided.Add(ctx, int64(t.spans), p.spanOpts[v.rule][di])
	p.tb.ProcessorTailSamplerDecisionLatency.Record(ctx, (now-t.first)/int64(time.Millisecond))

	p.counts.decided.Add(1)
	if v.keep {
		p.counts.kept[v.rule].Add(1)
	}
	if v.keep || p.cfg.DryRun {
		if s.kept != nil {
			s.kept.Add(t.id, keptEntry{th: v.th, rule: v.rule, keep: v.keep})
		}
		out = append(out, emitItem{id: t.id, groups: t.groups, spans: t.spans, th: v.th, rule: v.rule, keep: v.keep})
	} else {
		s.forgotDropped += int64(s.dropped.add(t.fp))
	}
	t.groups = nil
	t.keys = nil
	return out
}
