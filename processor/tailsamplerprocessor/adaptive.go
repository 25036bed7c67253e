// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import "time"

// overflowKey collects the keys beyond max_keys.
const overflowKey = "\x00overflow"

// adaptiveState is one adaptive rule's per-key rates in one shard. Each shard
// targets its share of the throughput: trace IDs spread evenly over shards,
// so every key's traces do too, and no lock is shared between shards.
type adaptiveState struct {
	target   float64 // traces/s per key in this shard
	minP     float64
	weight   float64
	interval int64 // ns
	maxKeys  int
	last     int64
	keys     map[string]*keyRate
}

type keyRate struct {
	count float64 // traces in the current interval
	ema   float64 // traces/s
}

func newAdaptiveState(a *AdaptiveConfig, shards int) *adaptiveState {
	return &adaptiveState{
		target:   a.TargetTracesPerSecond / float64(shards),
		minP:     a.MinProbability,
		weight:   a.Weight,
		interval: int64(a.AdjustmentInterval),
		maxKeys:  a.MaxKeys,
		keys:     map[string]*keyRate{},
	}
}

// probability counts one trace of key and returns its keep probability:
// target over the key's rate (the larger of its moving average and the
// current interval's count), within [min_probability, 1]. Rare keys get 1,
// frequent keys are damped.
func (a *adaptiveState) probability(key string, now int64) float64 {
	if a.last == 0 {
		a.last = now
	}
	for now-a.last >= a.interval {
		a.adjust()
		a.last += a.interval
		if now-a.last >= 8*a.interval { // idle for long: skip ahead
			a.last = now
		}
	}
	kr := a.keys[key]
	if kr == nil {
		if len(a.keys) >= a.maxKeys {
			key = overflowKey
			kr = a.keys[key]
		}
		if kr == nil {
			kr = &keyRate{}
			a.keys[key] = kr
		}
	}
	kr.count++
	rate := max(kr.ema, kr.count/(float64(a.interval)/float64(time.Second)))
	p := a.target / rate
	return min(1, max(a.minP, p))
}

func (a *adaptiveState) adjust() {
	secs := float64(a.interval) / float64(time.Second)
	for k, kr := range a.keys {
		kr.ema = a.weight*kr.count/secs + (1-a.weight)*kr.ema
		kr.count = 0
		if kr.ema < 1e-3 {
			delete(a.keys, k) // aged out
		}
	}
}
