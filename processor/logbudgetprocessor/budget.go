package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"math"
	"sort"
	"time"
)

// Budget dimensions, as the `budget` attribute of the over-budget counters.
const (
	dimRecords = iota // records_per_second
	dimBytes          // bytes_per_second
	dimDay            // bytes_per_day, and money_per_day converted to bytes
	numDims
)

var dimNames = [numDims]string{"records_per_second", "bytes_per_second", "bytes_per_day"}

// bucket is a token bucket whose tokens may go below zero: records that are
// never dropped (the floor, the keep class, dedup summaries) are charged in
// full, and the debt they leave is paid back by refusing the key's other
// records until the bucket refills. Debt beyond debtCap (the rate times
// debt_window) is forgiven and reported as kept over budget.
type bucket struct {
	rate    float64 // tokens per second
	burst   float64
	tokens  float64
	last    int64 // unix ns of the last refill
	debtCap float64
}

// newBucket returns a bucket of rate tokens per second holding burst (zero:
// one second of the rate), or nil (no limit) when rate is zero.
func newBucket(rate float64, burst int, debtWindow time.Duration, now time.Time) *bucket {
	if rate <= 0 {
		return nil
	}
	if burst == 0 {
		burst = int(math.Ceil(rate))
	}
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now.UnixNano(), debtCap: rate * debtWindow.Seconds()}
}

// at refills the bucket up to now and returns its tokens. Concurrent
// callers read the clock before taking the shard lock, so now may be a
// little behind the last refill: then nothing is added.
func (b *bucket) at(now time.Time) float64 {
	if n := now.UnixNano(); n > b.last {
		b.tokens = math.Min(b.burst, b.tokens+b.rate*float64(n-b.last)/1e9)
		b.last = n
	}
	return b.tokens
}

// charge takes n tokens whatever is left. It returns the part taken as new
// debt (below zero, within the cap) and the part beyond the cap (kept over
// budget).
func (b *bucket) charge(now time.Time, n float64) (debt, over float64) {
	before := b.at(now)
	t := before - n
	if t < -b.debtCap {
		over = -b.debtCap - t
		t = -b.debtCap
	}
	debt = math.Max(0, math.Min(before, 0)-t)
	b.tokens = t
	return debt, over
}

// debt is what the bucket owes: tokens below zero.
func (b *bucket) debt(now time.Time) float64 {
	return math.Max(0, -b.at(now))
}

// Shedding tiers, lowest shed first. Records at or above the floor and the
// "keep" class never reach the sampler or the budget check.
const (
	tierLow = iota
	tierTrace
	tierDebug
	tierInfo
	tierWarn
	tierHigh
	numTiers
)

// tierWeight scales each tier's share in water-filling: a tier gets four
// times the per-template allowance of the tier below it.
var tierWeight = [numTiers]float64{1, 4, 16, 64, 256, 1024}

// tierReserve is the share of a bucket a tier may not use when sampling is
// off, so lower severities run out first.
var tierReserve = [numTiers]float64{0.5, 0.4, 0.3, 0.15, 0.05, 0}

const (
	daySlots    = 144 // rolling 24h in 10-minute slots
	daySlotSpan = 24 * time.Hour / daySlots
	// dayHorizon paces daily budgets: at most the unused remainder of the
	// rolling window is spent per dayHorizon, so spend approaches the limit
	// smoothly rather than hitting a cliff.
	dayHorizon = time.Hour
	// maxSampledTemplates bounds per-key demand tracking per interval; further
	// templates share one bucket.
	maxSampledTemplates = 512
	// samplerHeadroom aims sampling slightly under the budget so the token
	// bucket (the hard cap) rarely has to drop a record the sampler kept:
	// such drops would bias the weights.
	samplerHeadroom = 0.95
	// sampledDayReserve is the share of a daily budget records of sampled
	// templates leave to templates kept whole and higher tiers.
	sampledDayReserve = 0.02
)

// dayWindow sums bytes over a rolling 24h in 10-minute slots.
type dayWindow struct {
	slots [daySlots]int64
	cur   int64 // index of the current slot since the epoch
	sum   int64
}

func (d *dayWindow) advance(now time.Time) {
	idx := now.UnixNano() / int64(daySlotSpan)
	if idx <= d.cur {
		return
	}
	if idx-d.cur >= daySlots {
		d.slots = [daySlots]int64{}
		d.sum = 0
	} else {
		for i := d.cur + 1; i <= idx; i++ {
			s := &d.slots[i%daySlots]
			d.sum -= *s
			*s = 0
		}
	}
	d.cur = idx
}

func (d *dayWindow) add(n int64) {
	d.slots[d.cur%daySlots] += n
	d.sum += n
}

// budgetState is one key's budget and sampler.
type budgetState struct {
	recs, bytes *bucket // nil: unlimited
	dayLimit    int64
	day         *dayWindow

	// sampler: demand below the floor in the current interval, and the keep
	// probabilities computed from the previous one.
	interval      time.Duration
	intervalStart time.Time
	demandRecs    float64
	demandBytes   float64
	floorRecs     float64
	floorBytes    float64
	demand        map[uint64]*tmplDemand
	otherDemand   tmplDemand
	probs         map[uint64]float64
	otherProb     float64
	sampling      bool
}

type tmplDemand struct {
	recs float64
	tier int
}

func newBudgetState(b BudgetConfig, price float64, sampling bool, interval, debtWindow time.Duration, now time.Time) *budgetState {
	s := &budgetState{interval: interval, sampling: sampling, intervalStart: now, otherProb: 1}
	s.recs = newBucket(b.RecordsPerSecond, b.RecordsBurst, debtWindow, now)
	s.bytes = newBucket(b.BytesPerSecond, b.BytesBurst, debtWindow, now)
	if d := b.dailyBytes(price); d > 0 {
		s.dayLimit = d
		s.day = &dayWindow{cur: now.UnixNano() / int64(daySlotSpan)}
	}
	return s
}

func (s *budgetState) limited() bool { return s.recs != nil || s.bytes != nil || s.day != nil }

// charge counts a record that is kept whatever the budget says (floor,
// keep class, summaries): its whole cost is taken, the buckets may go into
// debt (up to debt_window of their rate) and the daily window over its
// limit. It returns, per dimension, the part of the cost the buckets took
// as debt, and what the budget could not absorb: the part beyond the debt
// cap, or beyond the daily limit.
func (s *budgetState) charge(now time.Time, size int) (debt, over [numDims]float64) {
	if s.recs != nil {
		debt[dimRecords], over[dimRecords] = s.recs.charge(now, 1)
	}
	if s.bytes != nil {
		debt[dimBytes], over[dimBytes] = s.bytes.charge(now, float64(size))
	}
	if s.day != nil {
		s.day.advance(now)
		before := s.day.sum
		s.day.add(int64(size))
		if s.day.sum > s.dayLimit {
			over[dimDay] = float64(s.day.sum - max(before, s.dayLimit))
		}
	}
	s.floorRecs++
	s.floorBytes += float64(size)
	return debt, over
}

// room says, without taking anything, whether the budget has room now for
// size bytes kept whatever it says (a shed summary): no bucket would go
// into debt and the rolling day would stay within its limit.
func (s *budgetState) room(now time.Time, size int) bool {
	if s.day != nil {
		s.day.advance(now)
		if s.day.sum+int64(size) > s.dayLimit {
			return false
		}
	}
	if s.recs != nil && s.recs.at(now) < 1 {
		return false
	}
	return s.bytes == nil || s.bytes.at(now) >= float64(size)
}

// admit takes budget for a record below the floor, or says no.
func (s *budgetState) admit(now time.Time, size int, tier int, sampled bool) bool {
	reserve := 0.0
	switch {
	case !s.sampling:
		reserve = tierReserve[tier]
	case sampled:
		// records of templates being sampled leave the sampler's headroom
		// to templates kept whole (rare ones) and higher tiers
		reserve = 1 - samplerHeadroom
	}
	if s.day != nil {
		s.day.advance(now)
		dayReserve := reserve
		if sampled {
			// the day is paced already (dayHorizon): a smaller share is
			// enough for rare templates and higher tiers
			dayReserve = sampledDayReserve
		}
		if float64(s.day.sum+int64(size)) > float64(s.dayLimit)*(1-dayReserve) {
			return false
		}
	}
	if s.recs != nil && s.recs.at(now)-1 < math.Floor(reserve*s.recs.burst) {
		return false
	}
	if s.bytes != nil && s.bytes.at(now)-float64(size) < math.Floor(reserve*s.bytes.burst) {
		return false
	}
	if s.recs != nil {
		s.recs.tokens--
	}
	if s.bytes != nil {
		s.bytes.tokens -= float64(size)
	}
	if s.day != nil {
		s.day.add(int64(size))
	}
	return true
}

// prob returns the keep probability of a template for the current interval
// and records the demand: size is what the record weighs as it is, weighted
// what it weighs kept with a sampling weight (the demand counts the latter
// while the key is being sampled).
func (s *budgetState) prob(now time.Time, tmpl uint64, tier int, size, weighted int) float64 {
	s.roll(now)
	s.demandRecs++
	if s.probs != nil {
		size = weighted
	}
	s.demandBytes += float64(size)
	d := s.demand[tmpl]
	if d == nil {
		if s.demand == nil {
			s.demand = map[uint64]*tmplDemand{}
		}
		if len(s.demand) < maxSampledTemplates {
			d = &tmplDemand{tier: tier}
			s.demand[tmpl] = d
		} else {
			d = &s.otherDemand
		}
	}
	d.recs++
	if p, ok := s.probs[tmpl]; ok {
		return p
	}
	if s.probs == nil {
		return 1 // first interval, or the key was under budget: nothing sampled
	}
	if _, ok := s.demand[tmpl]; ok && len(s.probs) > 0 {
		// a template not seen in the last interval is rare: keep it
		return 1
	}
	return s.otherProb
}

// roll recomputes the keep probabilities when an interval has passed.
func (s *budgetState) roll(now time.Time) {
	el := now.Sub(s.intervalStart)
	if el < s.interval {
		return
	}
	secs := el.Seconds()
	// keep fraction f from every budget dimension, net of what the floor
	// used (the floor of the next interval is expected to be alike) and of
	// the debt the floor has left (paid back first)
	f := 1.0
	if s.demandRecs > 0 {
		if s.recs != nil {
			f = math.Min(f, math.Max(0, s.recs.rate*secs-s.floorRecs-s.recs.debt(now))/s.demandRecs)
		}
		if s.bytes != nil && s.demandBytes > 0 {
			f = math.Min(f, math.Max(0, s.bytes.rate*secs-s.floorBytes-s.bytes.debt(now))/s.demandBytes)
		}
		if s.day != nil && s.demandBytes > 0 {
			s.day.advance(now)
			left := float64(s.dayLimit - s.day.sum)
			allow := left / dayHorizon.Seconds() * secs
			f = math.Min(f, math.Max(0, allow-s.floorBytes)/s.demandBytes)
		}
	}
	if f >= 1 {
		s.probs = nil
		s.otherProb = 1
	} else {
		s.probs, s.otherProb = waterFill(s.demand, &s.otherDemand, f*samplerHeadroom*s.demandRecs)
	}
	clear(s.demand)
	s.otherDemand = tmplDemand{}
	s.demandRecs, s.demandBytes, s.floorRecs, s.floorBytes = 0, 0, 0, 0
	// whole intervals only, so a clock jump does not carry a stale start
	if el >= 2*s.interval {
		s.intervalStart = now
	} else {
		s.intervalStart = s.intervalStart.Add(s.interval)
	}
}

// waterFill finds T with sum_t min(c_t, T*w_t) = target and returns
// p_t = min(1, T*w_t/c_t): rare templates and higher tiers are kept whole,
// frequent templates of low tiers give way first.
func waterFill(demand map[uint64]*tmplDemand, other *tmplDemand, target float64) (map[uint64]float64, float64) {
	type item struct {
		id  uint64
		c   float64
		w   float64
		gap float64 // T at which this template saturates: c/w
	}
	items := make([]item, 0, len(demand)+1)
	for id, d := range demand {
		w := tierWeight[d.tier]
		items = append(items, item{id: id, c: d.recs, w: w, gap: d.recs / w})
	}
	if other.recs > 0 {
		w := tierWeight[tierInfo]
		items = append(items, item{id: 0, c: other.recs, w: w, gap: other.recs / w})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].gap < items[j].gap })
	// walk saturation points: below T, items[:k] are whole, the rest take T*w
	filled, wRest := 0.0, 0.0
	for _, it := range items {
		wRest += it.w
	}
	T := 0.0
	found := false
	for _, it := range items {
		if filled+it.gap*wRest >= target {
			T = (target - filled) / wRest
			found = true
			break
		}
		filled += it.c
		wRest -= it.w
	}
	probs := make(map[uint64]float64, len(items))
	otherP := 1.0
	for _, it := range items {
		p := 1.0
		if found {
			p = math.Min(1, T*it.w/it.c)
		}
		if other.recs > 0 && it.id == 0 && it.c == other.recs {
			otherP = p
		}
		probs[it.id] = p
	}
	return probs, otherP
}
