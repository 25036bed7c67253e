package evidence

import "time"

// counts is one bucket: calls (or server spans) and the failing ones.
type counts struct {
	total, bad uint32
}

// window counts events in Buckets buckets of Bucket each, sliding; buckets
// leaving the window fold into an exponentially weighted baseline rate,
// unless they were anomalous themselves (a fault must not become its own
// baseline).
type window struct {
	buckets  []counts
	epoch    int64 // bucket number of buckets[epoch%len]
	baseline float64
	learned  bool // baseline has seen at least one bucket
	exemplar [16]byte
	lastSeen int64 // bucket number of the last event
}

const baselineWeight = 0.05

func newWindow(n int) *window { return &window{buckets: make([]counts, n)} }

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
	if c.total == 0 {
		return
	}
	rate := float64(c.bad) / float64(c.total)
	if w.learned && th.anomalous(c.bad, rate, w.baseline) {
		return
	}
	if !w.learned {
		w.baseline, w.learned = rate, true
		return
	}
	w.baseline += baselineWeight * (rate - w.baseline)
}

func (w *window) add(b int64, bad bool, th thresholds) {
	w.roll(b, th)
	if b < w.epoch-int64(len(w.buckets))+1 {
		return // older than the window
	}
	c := &w.buckets[b%int64(len(w.buckets))]
	c.total++
	if bad {
		c.bad++
	}
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

// thresholds decide when a window's failure rate is an anomaly.
type thresholds struct {
	minBad  uint32
	minRate float64
	factor  float64
}

func (t thresholds) anomalous(bad uint32, rate, baseline float64) bool {
	return bad >= t.minBad && rate >= t.minRate && rate >= t.factor*baseline+t.minRate/2
}

func bucketOf(now time.Time, width time.Duration) int64 {
	return now.UnixNano() / int64(width)
}
