// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"math"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
)

// rateWindow is the window over which a rate-limited rule's incoming cost
// is counted; rateWeight is the weight of the newest window in its moving
// average.
const (
	rateWindow = int64(time.Second)
	rateWeight = 0.5
)

// rateLimiter is one rate-limited rule's state in one shard.
//
// A token bucket alone (contrib's rate_limiting) keeps the first traces of
// each second and refuses the rest, which leaves no weight to record: a
// kept trace stands for an unknown number of refused ones. Here each
// matching trace is first kept with a probability p, fixed before its
// randomness is looked at and computed only from the traces before it, so
// 1/p is its honest weight (written as its threshold). p is the budget over
// the rule's recent incoming rate, steered by the bucket: the budget aimed
// at is rate x (0.5 + tokens/burst), so the bucket hovers around half full
// and rarely runs dry. The bucket then refuses whatever would still go over
// (bursts faster than the average follows, a trace larger than the burst);
// those refusals are the only keeps whose weight is lost, and they are
// counted (rate_limited).
type rateLimiter struct {
	rate   float64 // tokens per second in this shard
	burst  float64
	tokens float64
	last   int64 // unix ns of the last refill; 0 before the first trace

	winStart int64   // start of the current counting window
	count    float64 // cost seen in the current window
	ema      float64 // moving average of the cost per second
	refused  int64   // pending telemetry, flushed with the shard's
}

func newRateLimiter(rl *RateLimitConfig, shards int) *rateLimiter {
	budget := rl.SpansPerSecond
	if budget == 0 {
		budget = rl.BytesPerSecond
	}
	burst := rl.BurstCapacity
	if burst == 0 {
		burst = 2 * budget
	}
	// The rate is shared out between shards like the traces are; the burst
	// is not, since it also bounds the largest trace that can be kept
	// (contrib's num_shards does the same).
	return &rateLimiter{rate: float64(budget) / float64(shards), burst: float64(burst), tokens: float64(burst)}
}

// probability counts a matching trace of the given cost at now and returns
// the probability to keep it with: the budget aimed at over the larger of
// the moving average and the current window's cost so far, at most 1.
func (l *rateLimiter) probability(cost float64, now int64) float64 {
	if l.last == 0 {
		l.last, l.winStart = now, now
	}
	if now > l.last {
		l.tokens = min(l.burst, l.tokens+l.rate*float64(now-l.last)/float64(time.Second))
		l.last = now
	}
	if elapsed := (now - l.winStart) / rateWindow; elapsed > 0 {
		// Fold the finished window, then decay over the idle ones.
		l.ema = rateWeight*l.count + (1-rateWeight)*l.ema
		if elapsed > 1 {
			l.ema *= math.Pow(1-rateWeight, float64(elapsed-1))
		}
		l.count = 0
		l.winStart += elapsed * rateWindow
	}
	l.count += cost
	target := l.rate * (0.5 + l.tokens/l.burst)
	return min(1, target/max(l.ema, l.count))
}

// threshold counts a matching trace of the given cost at now and returns th
// raised to the threshold of the current probability.
func (l *rateLimiter) threshold(th sampling.Threshold, cost float64, now int64) sampling.Threshold {
	lp := l.probability(cost, now)
	if lp >= 1 {
		return th
	}
	lth, err := sampling.ProbabilityToThreshold(lp)
	if err != nil {
		lth = sampling.NeverSampleThreshold // below 2^-56: nothing is kept
	}
	if sampling.ThresholdGreater(lth, th) {
		return lth
	}
	return th
}

// take spends cost tokens if the bucket holds them.
func (l *rateLimiter) take(cost float64) bool {
	if l.tokens < cost {
		l.refused++
		return false
	}
	l.tokens -= cost
	return true
}

// limitCost is what a trace costs against its rule's rate limit: its spans,
// or its OTLP protobuf size (spans plus each batch's resource and scope).
func (r *rule) limitCost(t *trace) float64 {
	if r.rateLimit.BytesPerSecond == 0 {
		return float64(t.spans)
	}
	n := 0
	for _, segs := range t.groups {
		for i := range segs {
			n += segs[i].EncodedSize()
		}
	}
	return float64(n)
}
