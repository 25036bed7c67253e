package evidence

import (
	"math"
	"time"
)

// counts is one bucket: calls (or server spans) and the failing ones.
type counts struct {
	total, bad uint32
}

// window counts events in Buckets buckets of Bucket each, sliding; buckets
// leaving the window fold into a decayed baseline (failures and totals),
// unless they were anomalous themselves (a fault must not become its own
// baseline).
type window struct {
	buckets  []counts
	epoch    int64 // bucket number of buckets[epoch%len]
	baseBad  float64
	baseAll  float64
	baseline float64 // (baseBad + prior) / (baseAll + priorWeight)
	exemplar [16]byte
	lastSeen int64 // bucket number of the last event
	// lat is a service's span durations, or an edge's call durations
	// (latency.go); nil until the first timed one. self is a service's
	// spans' self times; nil on edges.
	lat, self *latency
	// learnAll folds anomalous buckets too (latency windows: a service
	// whose durations are heavy-tailed from the start must learn that as
	// its baseline, not read as slow forever; a lasting slowdown still
	// takes minutes to fade into it).
	learnAll bool
	// served: a service window has counted spans of the service's own
	// (server or consumer), so its callers' client spans do not speak for
	// it (count).
	served bool
	// calls is the decayed share of the service's own spans that had
	// calls beneath them in their batch; cut the bucket of the last of its
	// batches that came cut mid-trace, 0 for none (held.go).
	calls float64
	cut   int64
	// through is the newest end (Unix nanoseconds) of the spans the
	// service sent itself (through.go); 0 for none.
	through int64
	// lag is the decayed delivery lag of the service's batches (through.go).
	lag int64
}

// Each bucket leaving the window weighs old ones down by baseDecay; the
// prior is priorWeight calls failing at priorRate, so a new edge is not
// judged on its first few calls.
const (
	baseDecay   = 0.02
	priorRate   = 0.01
	priorWeight = 20
)

func newWindow(n int) *window { return &window{buckets: make([]counts, n), baseline: priorRate} }

// roll moves the window so that bucket b is its newest.
func (w *window) roll(b int64, th thresholds) {
	n := int64(len(w.buckets))
	if b <= w.epoch {
		return
	}
	steps := min(b-w.epoch, n)
	for i := int64(1); i <= steps; i++ {
		slot := &w.buckets[(w.epoch+i)%n]
		w.fold(*slot, th)
		*slot = counts{}
	}
	w.epoch = b
}

// fold learns the baseline from a bucket leaving the window.
func (w *window) fold(c counts, th thresholds) {
	if c.total == 0 || !w.learnAll && th.anomalous(c, w.baseline) {
		return
	}
	w.baseBad = w.baseBad*(1-baseDecay) + float64(c.bad)
	w.baseAll = w.baseAll*(1-baseDecay) + float64(c.total)
	w.baseline = (w.baseBad + priorRate*priorWeight) / (w.baseAll + priorWeight)
}

// learned reports whether the baseline has learned from at least
// priorWeight events that left the window (it outweighs its prior).
func (w *window) learned() bool { return w.baseAll >= priorWeight }

func (w *window) add(b int64, bad bool, th thresholds) {
	var n uint32
	if bad {
		n = 1
	}
	w.addN(b, 1, n, th)
}

// addN counts total events, bad of them failing, in bucket b.
func (w *window) addN(b int64, total, bad uint32, th thresholds) {
	w.roll(b, th)
	if b < w.epoch-int64(len(w.buckets))+1 {
		return // older than the window
	}
	c := &w.buckets[b%int64(len(w.buckets))]
	c.total += total
	c.bad += bad
	w.lastSeen = max(w.lastSeen, b)
}

// sum is the window's totals at bucket b.
func (w *window) sum(b int64, th thresholds) counts {
	w.roll(b, th)
	var s counts
	for _, c := range w.buckets {
		s.total += c.total
		s.bad += c.bad
	}
	return s
}

// recentBuckets is the short view: a fault that began moments ago shows
// in the newest buckets before it dominates the whole window.
const recentBuckets = 2

// anomalous reports whether the window, or its newest buckets, fail
// beyond the baseline at bucket b.
func (w *window) anomalous(b int64, th thresholds) bool {
	if th.anomalous(w.sum(b, th), w.baseline) {
		return true
	}
	var c counts
	n := int64(len(w.buckets))
	for i := range min(int64(recentBuckets), n) {
		r := w.buckets[(b-i)%n]
		c.total += r.total
		c.bad += r.bad
	}
	return th.anomalous(c, w.baseline)
}

// thresholds decide when failures are an anomaly.
type thresholds struct {
	minBad  uint32
	minRate float64
	minZ    float64
}

// anomalous: enough failures, a high enough rate, and improbable under the
// baseline rate (a binomial z-score).
func (t thresholds) anomalous(c counts, baseline float64) bool {
	if c.bad < t.minBad || c.total == 0 {
		return false
	}
	n, k := float64(c.total), float64(c.bad)
	if k/n < t.minRate {
		return false
	}
	p := max(baseline, priorRate)
	return k-n*p >= t.minZ*math.Sqrt(n*p*(1-p))
}

func bucketOf(now time.Time, width time.Duration) int64 {
	return now.UnixNano() / int64(width)
}
