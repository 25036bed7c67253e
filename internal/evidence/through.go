package evidence

import "time"

// How far each service's spans have come in. A collector receives a
// service's spans seconds after they end (an SDK's export interval, a
// batch processor's timeout, an observing replica's summary interval),
// and not at the same delay for every service: at an alert's onset its
// own service's spans of that moment may not be here yet, while its
// neighbours' are. A window that reads "no anomaly" then says nothing
// yet. Through lets the correlator tell the two apart: the newest end
// time among the spans a service sent itself (its own clock, so a skewed
// clock shifts it; the correlator compares it with the alert's onset,
// also the sender's view of time). A summary from an observing collector
// (Merge) carries no span times: it moves its services' Through to the
// end of its interval, through which the observer counted their spans,
// and, when its interval is known (MergeInterval), their Lag toward the
// interval's length: the age of its oldest counts when it arrives. A
// service counted only in summaries every 10 s has its spans of a moment
// here up to 10 s after it, as a batch 10 s late would.

// noteThrough moves each service's newest span end forward by batch,
// and its usual delivery lag (Lag) toward how long after its newest
// span in the batch the batch arrived.
func (t *Tracker) noteThrough(batch *Batch) {
	var last string
	var w *window
	var newest int64
	flush := func() {
		if w != nil {
			w.lag += (max(0, t.now-newest) - w.lag) / lagWeight
		}
	}
	for i := range batch.spans {
		s := &batch.spans[i]
		if s.service != last || w == nil {
			flush()
			last, w, newest = s.service, t.svc[s.service], 0
		}
		if w == nil {
			continue
		}
		end := s.start + int64(s.dur)
		newest = max(newest, end)
		w.through = max(w.through, end)
	}
	flush()
}

// noteSummary moves the window's Through to at, the end of a summary
// that counted its spans, and its Lag toward the summary's interval
// (from start to at; none known when start is not before at).
func (w *window) noteSummary(start, at time.Time) {
	end := at.UnixNano()
	w.through = max(w.through, end)
	if start.IsZero() || !start.Before(at) {
		return
	}
	w.lag += (end - start.UnixNano() - w.lag) / lagWeight
}

// lagWeight: each batch moves a service's Lag a quarter of the way to
// its own delivery lag.
const lagWeight = 4

// Lag returns how long after they end svc's spans usually arrive: a
// decayed mean over its batches of the arrival less the batch's newest
// span end; for summaries (MergeInterval), of their intervals' length.
func (t *Tracker) Lag(svc string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w := t.svc[svc]; w != nil {
		return time.Duration(w.lag)
	}
	return 0
}

// Through returns the newest end time of the spans svc sent itself, the
// zero time when none is tracked.
func (t *Tracker) Through(svc string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.svc[svc]
	if w == nil || w.through == 0 {
		return time.Time{}
	}
	return time.Unix(0, w.through)
}
