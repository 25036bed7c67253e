package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Placement waits for the alert's own spans. A collector receives a
// service's spans seconds after they end, and not at one delay for every
// service: an SDK's export interval, a batch processor's timeout, an
// exporter's queue. An alert whose own service's spans of its onset are not here yet is
// placed by the graph and by its neighbours' spans alone, and a storm's
// first placements decide its incidents: the later rereads (recheck.go,
// attribute.go) move one alert, not what joined through it.
//
// So a new alert waits to be placed when its service's spans come late
// and those of its onset are not here yet: the service's batches arrive,
// on a decayed mean, more than lateLag after their newest span ends
// (evidence.Tracker.Lag), and the newest of its spans here
// (evidence.Tracker.Through) ends before the alert's onset. It is placed
// once its service's spans reach its onset, or at the latest one group
// wait after it came; an incident it opens then pages one group wait
// after the alert came, as it would have without the wait. Nothing waits
// without spans, for a service that sent none, for one whose spans come
// on time (a quiet or crashed service's alert included), or for one
// silent a whole evidence window. Summaries from observing collectors
// (the scaled deployment, config/two-tier-sampler.yaml) count at the end
// of their interval, and the interval is their services' Lag
// (evidence.Tracker.MergeInterval): an alert whose onset comes after the
// newest summary holding its service waits for the next one, within the
// group wait (ninety-fourth pass).

// lateLag is how long after they end a service's spans must usually
// arrive for its alerts to wait for them: over a network and a batch
// processor that closes its batches at their size, spans arrive within
// it; behind an export interval or a batch timeout of seconds, not.
const lateLag = 2 * time.Second

// spansLag reports whether st's placement should wait for its service's
// spans (above).
func (e *Engine) spansLag(st *alertState) bool {
	if e.cfg.GroupWait <= 0 || !e.spansPresent() || st.Service == "" || !e.graph.HasNode(st.Service) {
		return false
	}
	ev := e.cfg.Evidence
	through := ev.Through(st.Service)
	if through.IsZero() || !through.Before(st.StartsAt) || st.StartsAt.Sub(through) >= ev.Window() {
		return false
	}
	return ev.Lag(st.Service) > lateLag
}

// spansReached reports whether st's service's spans reached its onset,
// or the traces are gone (none recent, or none of its service's left):
// once waiting, an alert waits for the spans of its onset itself.
func (e *Engine) spansReached(st *alertState) bool {
	if !e.spansPresent() {
		return true
	}
	through := e.cfg.Evidence.Through(st.Service)
	return through.IsZero() || !through.Before(st.StartsAt)
}

// awaitSpans queues st, a new alert, to be placed once its service's
// spans catch up, and reports whether it did. Past maxRechecks queued it
// places st at once (counted in OverflowRechecks).
func (e *Engine) awaitSpans(st *alertState) bool {
	if !e.spansLag(st) {
		return false
	}
	if len(e.spanWaits) >= maxRechecks {
		e.stats.OverflowRechecks++
		return false
	}
	st.awaitingSpans = true
	e.spanWaits = append(e.spanWaits, recheck{fp: st.Fingerprint, until: st.firstSeen.Add(e.cfg.GroupWait)})
	e.stats.SpanWaited++
	return true
}

// placeAwaited places, in the order they came, the queued alerts whose
// service's spans reached their onset or whose wait is over, as Ingest
// would have: one that resolved meanwhile is placed firing, its
// resolution held as any other. all places every queued alert (the
// shutdown flush, which pages what would otherwise be lost).
func (e *Engine) placeAwaited(now time.Time, all bool) {
	if len(e.spanWaits) == 0 {
		return
	}
	keep := e.spanWaits[:0]
	for _, w := range e.spanWaits {
		st := e.alerts[w.fp]
		if st == nil || !st.awaitingSpans {
			continue
		}
		if !all && now.Before(w.until) && !e.spansReached(st) {
			keep = append(keep, w)
			continue
		}
		if !e.fire(st, now) {
			delete(e.alerts, w.fp)
			e.stats.OverflowIncidents++
			continue
		}
		if st.reported == alertconv.StateResolved {
			e.held[st.Fingerprint] = st
		}
	}
	clear(e.spanWaits[len(keep):])
	e.spanWaits = keep
}
