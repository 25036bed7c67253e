package evidence

import "time"

// When an edge began to fail. A service in front of two concurrent faults
// (a gateway, a shared caller) has failing calls toward both, so Link
// reads Linked to each root and Fresh (failing only in the newest
// buckets) rarely holds for either. What may still tell them apart is
// when each of its calls began failing: the fault that made its alert
// fire should be the one whose edge began failing shortly before the
// alert opened. FailingSince reads that from the buckets the window
// already keeps: no new state, so nothing new to bound.

// FailingSince is when from's calls toward `to` began failing or running
// slow in the window at now: among from's anomalous calls (its first
// edges) that lead to `to` along anomalous edges within maxHops (Link's
// Linked path), the latest start of the edge's current failing spell
// (edgeSpell). ok is false when no such path exists. A spell that
// reaches the window's oldest bucket returns that bucket's start: it
// began then or earlier.
func (t *Tracker) FailingSince(from, to string, maxHops int, now time.Time) (since time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	anomalous := func(w *window) bool { return t.edgeAnomalous(w, b) }
	oldest := b - int64(t.cfg.Buckets) + 1
	best := int64(-1)
	for callee, w := range t.out[from] {
		if !anomalous(w) {
			continue
		}
		if callee != to && (maxHops <= 1 || !t.reaches(callee, to, maxHops-1, anomalous)) {
			continue
		}
		best = max(best, t.edgeSpell(w, b, oldest))
	}
	if best < 0 {
		return time.Time{}, false
	}
	return time.Unix(0, best*int64(t.cfg.Bucket)).UTC(), true
}

// PathFailingSince is when a path of failing or slow calls from `from`
// down to `to` (within maxHops) was first whole: a path fails from the
// latest start of its edges' failing spells, and of the anomalous paths
// the one whole earliest counts. Where two roots share from's first call
// (a caller in front of a service that calls both), FailingSince reads
// that one edge for both; the path's later edges are each root's own.
// ok is false when no anomalous path exists.
func (t *Tracker) PathFailingSince(from, to string, maxHops int, now time.Time) (since time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	oldest := b - int64(t.cfg.Buckets) + 1
	whole := map[string]int64{from: oldest}
	frontier := []string{from}
	for range maxHops {
		var next []string
		for _, n := range frontier {
			for callee, w := range t.out[n] {
				if callee == from || !t.edgeAnomalous(w, b) {
					continue
				}
				s := max(whole[n], t.edgeSpell(w, b, oldest))
				if old, seen := whole[callee]; seen && old <= s {
					continue
				}
				whole[callee] = s
				next = append(next, callee)
			}
		}
		frontier = next
	}
	s, ok := whole[to]
	if !ok || to == from {
		return time.Time{}, false
	}
	return time.Unix(0, s*int64(t.cfg.Bucket)).UTC(), true
}

// edgeSpell is an anomalous edge's spell start, failing or slow (the
// earlier); oldest when neither spell reaches its newest buckets (it
// failed earlier in the window).
func (t *Tracker) edgeSpell(w *window, b, oldest int64) int64 {
	s := w.spellStart(b, t.th)
	if w.lat.anomalous(b, t.th) {
		if ls := w.lat.win.spellStart(b, t.th); ls >= 0 && (s < 0 || ls < s) {
			s = ls
		}
	}
	if s < 0 {
		return oldest
	}
	return s
}

// spellStart is the oldest bucket of the window's current failing spell at
// bucket b: walking from the newest bucket back, buckets whose own counts
// leave the baseline (leaves) belong to it; buckets with no events are
// passed over; one bucket with events that does not leave it is passed
// over too (a thin edge failing half its calls has a bucket with no
// failure now and then), two in a row end the spell. -1 when no bucket
// of the window leaves the baseline before the spell ends.
func (w *window) spellStart(b int64, th thresholds) int64 {
	w.roll(b, th)
	n := int64(len(w.buckets))
	start, healthy := int64(-1), 0
	for i := range n {
		c := w.buckets[((b-i)%n+n)%n]
		switch {
		case c.total == 0:
		case th.leaves(c, w.baseline):
			start, healthy = b-i, 0
		default:
			if healthy++; healthy > 1 {
				return start
			}
		}
	}
	return start
}

// leaves reports whether one bucket's failures stand beyond the baseline:
// anomalous's rate and z-score tests without its minimum count, which a
// single bucket of a thin edge cannot reach.
func (t thresholds) leaves(c counts, baseline float64) bool {
	t.minBad = 1
	return t.anomalous(c, baseline)
}
