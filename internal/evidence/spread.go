package evidence

import (
	"math"
	"time"
)

// Failures a window's baseline does not explain, too few to read as an
// anomaly.
//
// A window is anomalous only with enough failures (minBad, 3 by default)
// at a high enough rate (minRate, 10 %): so a service seen some 10-15 times
// a window can fail a call and read neither anomalous nor, being well
// observed (minCalls), anything but Quiet. That is the reading a thin
// failing service gives in its first seconds, its spans lagging its
// alert. FailsBeyondSpread tells it: the window's failures exceed its
// baseline's expected count by more than spreadSDs standard deviations,
// k > n*p + 2*sqrt(n*p*(1-p)), p the window's baseline (or the prior,
// 1 %, if higher). So one failure is beyond the spread of a window of up
// to about 17 calls, and inside that of a busier one (37 calls: the
// background makes one failure about a third of the time); a busy service
// keeps the failures its baseline explains (1000 calls at 1 %: up to 16).

// spreadSDs is how many standard deviations above its expected count a
// window's failures may go and stay within its baseline's spread: about
// the 95 % band of a count of chance failures.
const spreadSDs = 2

// FailsBeyondSpread reports whether svc's spans in the window at now fail
// more than its baseline explains (see above), anomalous or not.
func (t *Tracker) FailsBeyondSpread(svc string, now time.Time) bool {
	t.lockAt(now)
	defer t.mu.Unlock()
	w := t.svc[svc]
	if w == nil {
		return false
	}
	return !failureFree(w.sum(bucketOf(now, t.cfg.Bucket), t.th), w.baseline)
}

// failureFree reports whether c's failures stay within what baseline
// explains (see above).
func failureFree(c counts, baseline float64) bool {
	n, k := float64(c.total), float64(c.bad)
	p := max(baseline, priorRate)
	return k <= n*p+spreadSDs*math.Sqrt(n*p*(1-p))
}
