package eval

// Delivery models what exporters and networks do to spans between the
// services and the collector, beyond EVAL_BATCH=service's one batch per
// service: a batch that arrives late (a BatchProcessor's timeout, an
// exporter's queue), an export retried after a timeout whose first
// attempt did arrive, a batch that closes mid-trace so one service's
// spans of a trace arrive in two, and a service whose clock is off. Each
// knob is independent and seeded; the zero Delivery feeds every batch at
// its tick, as before.

import (
	"hash/fnv"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Delivery is how the tick's batches reach the collector.
type Delivery struct {
	// Late: each batch arrives a uniform 0..Late after its tick
	// (EVAL_LATE=10s); zero: at its tick.
	Late time.Duration
	// Retry: the share of batches delivered a second time, one tick after
	// the first (EVAL_RETRY=0.2); zero: none.
	Retry float64
	// Split: the share of batches whose spans are cut in two, the second
	// half arriving one tick after the first (EVAL_SPLIT=0.3); zero: none.
	Split float64
	// SplitSameTick sends a cut batch's second half right after its first,
	// at the same tick (EVAL_SPLIT_SAME=1): the cut without the delay.
	SplitSameTick bool
	// SplitByEnd cuts a batch in the order its spans ended
	// (EVAL_SPLIT_ORDER=end), as an SDK's batch span processor queues a
	// span when it ends: a server span after its own calls, so a cut puts
	// some of its calls in the earlier half. Unset: the generator's order.
	SplitByEnd bool
	// Skew: each service's span timestamps are shifted by a fixed offset
	// drawn in [-Skew, Skew] (EVAL_SKEW=3s); zero: none.
	Skew time.Duration
	// Seed draws the delays, retries, cuts and offsets (EVAL_DELIVERY_SEED).
	Seed uint64
}

func (d Delivery) on() bool { return d.Late > 0 || d.Retry > 0 || d.Split > 0 || d.Skew > 0 }

// deliveryFromEnv reads the EVAL_LATE, EVAL_RETRY, EVAL_SPLIT,
// EVAL_SPLIT_SAME, EVAL_SPLIT_ORDER, EVAL_SKEW and EVAL_DELIVERY_SEED variables.
func deliveryFromEnv() Delivery {
	var d Delivery
	d.Late, _ = time.ParseDuration(os.Getenv("EVAL_LATE"))
	d.Retry, _ = strconv.ParseFloat(os.Getenv("EVAL_RETRY"), 64)
	d.Split, _ = strconv.ParseFloat(os.Getenv("EVAL_SPLIT"), 64)
	d.SplitSameTick = os.Getenv("EVAL_SPLIT_SAME") != ""
	d.SplitByEnd = os.Getenv("EVAL_SPLIT_ORDER") == "end"
	d.Skew, _ = time.ParseDuration(os.Getenv("EVAL_SKEW"))
	d.Seed, _ = strconv.ParseUint(os.Getenv("EVAL_DELIVERY_SEED"), 10, 64)
	return d
}

// pending is a batch on its way.
type pending struct {
	due time.Time
	seq int // order of scheduling, for ties
	td  ptrace.Traces
}

// courier holds the batches on their way under a Delivery.
type courier struct {
	d     Delivery
	every time.Duration
	rng   *rand.Rand
	queue []pending
	seq   int
}

func newCourier(d Delivery, every time.Duration) *courier {
	return &courier{d: d, every: every, rng: rand.New(rand.NewPCG(37, d.Seed))}
}

// send schedules the batches of the tick at t.
func (c *courier) send(t time.Time, tds []ptrace.Traces) {
	for _, td := range tds {
		if c.d.Skew > 0 {
			c.skew(td)
		}
		parts := []ptrace.Traces{td}
		if c.d.Split > 0 && c.rng.Float64() < c.d.Split && td.SpanCount() > 1 {
			parts = splitSpans(td, c.d.SplitByEnd)
		}
		for i, p := range parts {
			due := t
			if !c.d.SplitSameTick {
				due = due.Add(time.Duration(i) * c.every)
			}
			if c.d.Late > 0 {
				due = due.Add(time.Duration(c.rng.Int64N(int64(c.d.Late) + 1)))
			}
			c.push(due, p)
			if c.d.Retry > 0 && c.rng.Float64() < c.d.Retry {
				dup := ptrace.NewTraces()
				p.CopyTo(dup)
				c.push(due.Add(c.every), dup)
			}
		}
	}
}

func (c *courier) push(due time.Time, td ptrace.Traces) {
	c.queue = append(c.queue, pending{due: due, seq: c.seq, td: td})
	c.seq++
}

// due takes the batches due by t out of the queue, in order of arrival.
func (c *courier) due(t time.Time) []ptrace.Traces {
	sort.SliceStable(c.queue, func(i, j int) bool {
		if !c.queue[i].due.Equal(c.queue[j].due) {
			return c.queue[i].due.Before(c.queue[j].due)
		}
		return c.queue[i].seq < c.queue[j].seq
	})
	n := 0
	for n < len(c.queue) && !c.queue[n].due.After(t) {
		n++
	}
	out := make([]ptrace.Traces, n)
	for i := range n {
		out[i] = c.queue[i].td
	}
	c.queue = c.queue[n:]
	return out
}

// skew shifts each resource's spans by its service's offset.
func (c *courier) skew(td ptrace.Traces) {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		sv, _ := rs.Resource().Attributes().Get("service.name")
		off := c.offset(sv.Str())
		for j := range rs.ScopeSpans().Len() {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := range spans.Len() {
				sp := spans.At(k)
				sp.SetStartTimestamp(shift(sp.StartTimestamp(), off))
				sp.SetEndTimestamp(shift(sp.EndTimestamp(), off))
			}
		}
	}
}

// offset is service's clock offset, fixed for the run.
func (c *courier) offset(service string) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(service))
	r := rand.New(rand.NewPCG(h.Sum64(), c.d.Seed))
	return time.Duration(r.Int64N(2*int64(c.d.Skew)+1)) - c.d.Skew
}

func shift(ts pcommon.Timestamp, off time.Duration) pcommon.Timestamp {
	return pcommon.Timestamp(int64(ts) + int64(off))
}

// splitSpans cuts td's spans in two halves, each half keeping its
// resource and scope: in the batch's order, or, byEnd, in the order the
// spans ended (the first half the half that ended first).
func splitSpans(td ptrace.Traces, byEnd bool) []ptrace.Traces {
	head := headHalf(td, byEnd)
	first, second := ptrace.NewTraces(), ptrace.NewTraces()
	td.CopyTo(first)
	td.CopyTo(second)
	keep := func(out ptrace.Traces, inHead bool) {
		n := 0
		out.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
			rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
				ss.Spans().RemoveIf(func(ptrace.Span) bool {
					n++
					return head[n-1] != inHead
				})
				return ss.Spans().Len() == 0
			})
			return rs.ScopeSpans().Len() == 0
		})
	}
	keep(first, true)
	keep(second, false)
	return []ptrace.Traces{first, second}
}

// headHalf says, for each span of td in its order, whether it goes in
// the first half.
func headHalf(td ptrace.Traces, byEnd bool) []bool {
	var ends []pcommon.Timestamp
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				ends = append(ends, spans.At(k).EndTimestamp())
			}
		}
	}
	order := make([]int, len(ends))
	for i := range order {
		order[i] = i
	}
	if byEnd {
		sort.SliceStable(order, func(a, b int) bool { return ends[order[a]] < ends[order[b]] })
	}
	head := make([]bool, len(ends))
	for _, i := range order[:len(ends)/2] {
		head[i] = true
	}
	return head
}
