package evidence

import "time"

// Which observing collectors send summaries, and how far each has
// counted. In the scaled deployment (config/two-tier-sampler.yaml) each
// replica of the sampler tier sees the traces whose IDs route to it and
// sends its own summary every interval, the replicas' intervals ending at
// their own moments. A service's Through moves with any replica's
// summary, though each holds only its share of that moment's traces: an
// alert placed then reads its onset from one replica's share, the
// others' still on their way (ninety-seventh pass, EVALUATION.md). So the
// tracker keeps, per observer (a summary's source, the observing
// collector's service.instance.id), the end of its newest summary and its
// interval, and ObserversThrough says how far every live one has counted.
// An observer is live while its next summary is not more than one whole
// interval overdue: one that stops sending (scaled down, restarted under
// a new ID, or with nothing to count) stops holding anything back two
// intervals after its last summary. Summaries without an interval (Merge)
// or without a source are one anonymous observer's.

// maxObservers bounds the observers tracked; a summary from one more is
// merged but does not hold alerts back (counted in ObserverOverflow).
const maxObservers = 1024

// observerMark is one observer's newest summary: its end and its length
// (Unix nanoseconds, nanoseconds).
type observerMark struct {
	through, interval int64
}

// live reports whether the observer's next summary is at most one whole
// interval overdue at now (Unix nanoseconds).
func (m observerMark) live(now int64) bool {
	return m.interval > 0 && now-m.through <= 2*m.interval
}

// noteObserver records that observer sent a summary of the interval from
// start to at (nothing when the interval is not known). At the bound it first forgets the observers no longer
// live at at.
func (t *Tracker) noteObserver(observer string, start, at time.Time) {
	end := at.UnixNano()
	var interval int64
	if !start.IsZero() && start.Before(at) {
		interval = end - start.UnixNano()
	}
	if interval == 0 {
		return // no interval: nothing says when its next summary is due
	}
	m, ok := t.observers[observer]
	if !ok && len(t.observers) >= maxObservers {
		for id, o := range t.observers {
			if !o.live(end) {
				delete(t.observers, id)
			}
		}
	}
	if !ok && len(t.observers) >= maxObservers {
		t.stats.ObserverOverflow++
		return
	}
	m.through, m.interval = max(m.through, end), interval
	t.observers[observer] = m
}

// ObserversThrough returns how far every observer live at now has
// counted: the oldest end among their newest summaries; the zero time
// when no observer is live (spans fed here, or no summary of a known
// interval lately).
func (t *Tracker) ObserversThrough(now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := now.UnixNano()
	var oldest int64
	for _, m := range t.observers {
		if m.live(n) && (oldest == 0 || m.through < oldest) {
			oldest = m.through
		}
	}
	if oldest == 0 {
		return time.Time{}
	}
	return time.Unix(0, oldest)
}
