package evidence

import "time"

// How much of a service's trouble goes each way. A service in front of
// two concurrent faults (a gateway, a shared caller) has failing calls
// toward both: Link reads Linked to each root, and when each edge began
// to fail (onset.go) does not tell which fault made its alert fire, since
// an alert lags its own fault's failing calls by the rule's own delay.
// What a real storm shows instead is how much: a gateway whose calls to
// payment fail at 40/s and to cart at 2/s is paged by payment's fault.
// FailingShare reads that from the buckets the windows already keep, at
// the alert's onset: no new state, so nothing new to bound.

// FailingShare is the share of from's failing or slow calls, in the
// recent view ending at `at` (the bucket holding at and the one before),
// that travels down anomalous edges (as Link reads them at now) to `to`
// within maxHops. From's calls are split by their failing or slow counts
// on each edge; each service below passes on what reaches it in
// proportion to its own failing or slow calls on each anomalous edge,
// against those calls and the errors and slow self times originating in
// it (a root keeps what reaches it). ok is false when from had no failing
// or slow call in those buckets, or they have left the window at now.
func (t *Tracker) FailingShare(from, to string, maxHops int, at, now time.Time) (share float64, ok bool) {
	if from == to {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	hi := bucketOf(at, t.cfg.Bucket)
	lo := hi - recentBuckets + 1
	if hi > b || lo <= b-int64(t.cfg.Buckets) {
		return 0, false
	}
	flow := map[string]float64{from: 1}
	for range maxHops {
		next := map[string]float64{}
		for n, f := range flow {
			out, kept := t.troubleOut(n, n != from, lo, hi, b)
			if out == 0 {
				if n == from {
					return 0, false
				}
				continue
			}
			for callee, w := range t.out[n] {
				if callee == from || !t.edgeAnomalous(w, b) {
					continue
				}
				if c := t.trouble(w, lo, hi, b); c > 0 {
					next[callee] += f * c / (out + kept)
				}
			}
		}
		share += next[to]
		delete(next, to)
		if len(next) == 0 {
			break
		}
		flow = next
	}
	return share, true
}

// troubleOut is n's failing or slow calls in buckets lo..hi (out) and,
// with own, the errors and slow self times originating in n (kept).
func (t *Tracker) troubleOut(n string, own bool, lo, hi, b int64) (out, kept float64) {
	for _, w := range t.out[n] {
		out += t.trouble(w, lo, hi, b)
	}
	if w := t.svc[n]; own && w != nil {
		w.roll(b, t.th)
		kept = float64(w.between(lo, hi).bad)
		if w.self != nil {
			w.self.win.roll(b, t.th)
			kept += float64(w.self.win.between(lo, hi).bad)
		}
	}
	return out, kept
}

// trouble is an edge's failing calls and slow calls in buckets lo..hi,
// its windows rolled to bucket b.
func (t *Tracker) trouble(w *window, lo, hi, b int64) float64 {
	w.roll(b, t.th)
	c := float64(w.between(lo, hi).bad)
	if w.lat != nil {
		w.lat.win.roll(b, t.th)
		c += float64(w.lat.win.between(lo, hi).bad)
	}
	return c
}

// between sums the buckets lo..hi that are still in the window (call
// roll first).
func (w *window) between(lo, hi int64) counts {
	n := int64(len(w.buckets))
	var s counts
	for x := max(lo, w.epoch-n+1); x <= min(hi, w.epoch); x++ {
		c := w.buckets[(x%n+n)%n]
		s.total += c.total
		s.bad += c.bad
	}
	return s
}
