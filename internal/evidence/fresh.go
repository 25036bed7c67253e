package evidence

import "time"

// Fresh anomalies. A service in front of two concurrent faults (a gateway,
// a shared caller) has failing calls toward both, so Link reads Linked to
// each root. What tells them apart is when its calls started to fail:
// calls toward a fault that began moments ago fail only in the window's
// newest buckets, calls toward an older one failed before them too.

// Fresh reports whether an anomalous path leads from `from` to `to` within
// maxHops at now (Link's Linked) whose first edge, from's own calls,
// fails or runs slow only in the newest buckets: before them, it failed
// at no anomalous rate (no failures beyond the threshold rate). Linked
// paths whose first edge failed before are stale.
func (t *Tracker) Fresh(from, to string, maxHops int, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	for callee, w := range t.out[from] {
		if !t.edgeAnomalous(w, b) || !w.freshAt(b, t.th) {
			continue
		}
		if callee == to || maxHops > 1 && t.reaches(callee, to, maxHops-1, func(w *window) bool { return t.edgeAnomalous(w, b) }) {
			return true
		}
	}
	return false
}

// freshAt reports whether the window's failures at bucket b are all in
// its newest recentBuckets: the older buckets fail at less than the
// threshold rate.
func (w *window) freshAt(b int64, th thresholds) bool {
	w.roll(b, th)
	var old counts
	n := int64(len(w.buckets))
	for i := int64(recentBuckets); i < n; i++ {
		c := w.buckets[((b-i)%n+n)%n]
		old.total += c.total
		old.bad += c.bad
	}
	return old.bad == 0 || float64(old.bad) < th.minRate*float64(old.total)
}
