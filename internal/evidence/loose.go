package evidence

import (
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Loose failing calls (seventy-ninth pass). A span that fails with no
// failing child is where an error originates (count). Within one batch a
// service's server span whose call failed beneath it is no origin, so its
// origins are errors of its own however many of its calls fail: a root
// that also calls a concurrent fault's failing service (compose-post
// calling post-storage while its own handler fails) shows both. Only a
// failing call that reached the tracker in another batch than its parent
// span can leave that parent looking like an origin, and never more than
// one parent per such call. So OwnErrorsAt weighs a service's origins
// against its loose failing calls, not against every failing call as
// Unexplained does: the latter reads a root with errors of its own as a
// mere caller whenever its failing calls into another fault outnumber
// them.

// loose reports whether s is a failing outgoing call (client or producer)
// whose parent span, named, is not in the batch.
func loose(s *spanInfo, batch *Batch) bool {
	if !s.failed || s.kind != ptrace.SpanKindClient && s.kind != ptrace.SpanKindProducer {
		return false
	}
	if s.parent.span.IsEmpty() {
		return false
	}
	_, ok := batch.parentOf(s)
	return !ok
}

// OwnErrorsAt reports whether errors originate in svc beyond what its
// loose failing calls could have left behind (more of its spans fail with
// no failing child than its failing calls that reached the tracker apart
// from their parent span, and those origins leave the service's baseline),
// read over the buckets that end at at (the newest two, as the window's
// short view reads a fault that began moments ago) in the window at now:
// errors of svc's own that had begun by then. False once at's bucket has
// left the window.
func (t *Tracker) OwnErrorsAt(svc string, at, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.svc[svc]
	if w == nil {
		return false
	}
	b, ba := bucketOf(now, t.cfg.Bucket), bucketOf(at, t.cfg.Bucket)
	c := w.upTo(ba, b, t.th)
	if !t.th.anomalous(c, w.baseline) {
		return false
	}
	var loose counts
	if w.loose != nil {
		loose = w.loose.upTo(ba, b, t.th)
	}
	return c.bad > loose.bad
}

// upTo sums the recentBuckets buckets ending at bucket ba of the window
// at bucket b; nothing once ba has left it (or is still to come).
func (w *window) upTo(ba, b int64, th thresholds) counts {
	w.roll(b, th)
	n := int64(len(w.buckets))
	var c counts
	for i := range int64(recentBuckets) {
		bi := ba - i
		if bi > w.epoch || bi <= w.epoch-n {
			continue
		}
		r := w.buckets[bi%n]
		c.total += r.total
		c.bad += r.bad
	}
	return c
}

// addLoose counts one loose failing call of svc in bucket b.
func (t *Tracker) addLoose(svc string, b int64) {
	w := t.service(svc, b)
	if w == nil {
		return
	}
	if w.loose == nil {
		w.loose = newWindow(t.cfg.Buckets)
	}
	w.loose.add(b, true, t.th)
}

// addLoose: a Summarizer's observers (the sampler tier) see whole
// traces, so its origins are left as counted.
func (s *Summarizer) addLoose(string, int64) {}
