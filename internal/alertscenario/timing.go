package alertscenario

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// timing gives generated spans their durations. Each service has a self
// time (its own work, outside its calls) drawn once from the seed and its
// name: long-tailed across services (lognormal, median 5 ms, a few at
// 50-150 ms); each span jitters it. A server span covers its calls, most
// one after another, some in parallel; a client span lasts its server
// span plus the network both ways. A caller gives up on a call after its
// timeout (drawn once per caller, 1-3 s): the client span ends there and
// fails, while the callee's span runs on. Timeouts are set above what a
// call usually takes, so only a call a latency fault slowed reaches one
// (the largest graphs' front calls take over a second without a fault).
//
// It draws from its own generator, so that the traces' shape and failures
// (drawn by the caller's) are those of a generator without durations.
type timing struct {
	seed     uint64
	rng      *rand.Rand
	self     map[string]int64 // nanoseconds
	timeouts map[string]int64
}

// Timing constants: per-span jitter of a service's self time (lognormal
// sigma), the share of spans with a pause (2-4x), the network both ways,
// the chance that a call runs in parallel with the previous one, and a
// queue's delivery delay.
const (
	selfMedian    = 5 * time.Millisecond
	selfSpread    = 1.0
	selfMin       = 300 * time.Microsecond
	selfMax       = 150 * time.Millisecond
	spanJitter    = 0.35
	pauseRate     = 0.01
	netMin        = 300 * time.Microsecond
	netMax        = 2 * time.Millisecond
	parallelCalls = 0.25
	timeoutMin    = time.Second
	timeoutMax    = 3 * time.Second
	queueMax      = 50 * time.Millisecond
)

func newTiming(seed uint64) *timing {
	return &timing{
		seed: seed, rng: rand.New(rand.NewPCG(seed, 0x71e5)),
		self: map[string]int64{}, timeouts: map[string]int64{},
	}
}

// draw returns a generator seeded by the seed and key alone, so that a
// service's draws do not depend on the order services are met.
func (t *timing) draw(key string, salt uint64) *rand.Rand {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return rand.New(rand.NewPCG(t.seed^h.Sum64(), salt))
}

// baseSelf is svc's typical self time.
func (t *timing) baseSelf(svc string) int64 {
	if d, ok := t.self[svc]; ok {
		return d
	}
	r := t.draw(svc, 0x5e1f)
	d := float64(selfMedian) * math.Exp(selfSpread*r.NormFloat64())
	v := int64(min(max(d, float64(selfMin)), float64(selfMax)))
	t.self[svc] = v
	return v
}

// spanSelf draws one span's self time for svc, extra added (a latency
// fault's, jittered).
func (t *timing) spanSelf(svc string, extra int64) int64 {
	d := float64(t.baseSelf(svc)) * math.Exp(spanJitter*t.rng.NormFloat64())
	if t.rng.Float64() < pauseRate {
		d *= 2 + 2*t.rng.Float64()
	}
	if extra > 0 {
		d += float64(extra) * math.Exp(0.25*t.rng.NormFloat64())
	}
	return int64(d)
}

// net is one call's network time, both ways.
func (t *timing) net() int64 {
	return int64(netMin) + t.rng.Int64N(int64(netMax-netMin))
}

// timeout is how long caller waits for a call.
func (t *timing) timeout(caller string) int64 {
	if d, ok := t.timeouts[caller]; ok {
		return d
	}
	r := t.draw(caller, 0x7173)
	d := int64(timeoutMin) + r.Int64N(int64(timeoutMax-timeoutMin))
	t.timeouts[caller] = d
	return d
}

// queueDelay is how long a message waits before its consumer takes it.
func (t *timing) queueDelay() int64 {
	return int64(time.Millisecond) + t.rng.Int64N(int64(queueMax))
}

// latencyExtra is the self time a latency fault at root adds: 0.3-2 s,
// drawn once per fault.
func (t *timing) latencyExtra(f Fault) int64 {
	r := t.draw(f.Root, uint64(f.From.UnixNano()))
	return int64(300*time.Millisecond) + r.Int64N(int64(1700*time.Millisecond))
}

// calls lays out the calls of one span whose own work starts at start:
// half its self time before the first call, the calls one after another
// (some in parallel with the previous one), the other half after the last.
type calls struct {
	t                *timing
	self             int64
	cursor, previous int64
}

func (t *timing) layout(start, self int64) *calls {
	return &calls{t: t, self: self, cursor: start + self/2, previous: -1}
}

// next is when the next call starts.
func (c *calls) next() int64 {
	if c.previous >= 0 && c.t.rng.Float64() < parallelCalls {
		return c.previous
	}
	c.previous = c.cursor
	return c.cursor
}

// done records that a call ended at end.
func (c *calls) done(end int64) { c.cursor = max(c.cursor, end) }

// end is when the span ends: its last call's end plus its remaining self
// time.
func (c *calls) end() int64 { return c.cursor + c.self - c.self/2 }

// call times a client span that started at start and whose callee's span
// ended at calleeEnd (net is the network time both ways): the client span
// ends net/2 after it, or, when a latency fault slowed the call, at
// caller's timeout, failing. It reports whether it timed out.
func (t *timing) call(c ptrace.Span, caller string, start, net, calleeEnd int64, slowed bool) (end int64, timedOut bool) {
	end = calleeEnd + net/2
	if limit := start + t.timeout(caller); slowed && end > limit {
		end, timedOut = limit, true
		fail(c)
	}
	setTimes(c, start, end)
	return end, timedOut
}

func setTimes(s ptrace.Span, start, end int64) {
	s.SetStartTimestamp(pcommon.Timestamp(start))
	s.SetEndTimestamp(pcommon.Timestamp(end))
}
