package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Placement waits for the alert's own spans. A collector receives a
// service's spans seconds after they end, and not at one delay for every
// service: an SDK's export interval, a batch processor's timeout, an
// exporter's queue, and in the scaled deployment an observing replica's
// summary interval (config/two-tier-sampler.yaml, QUELL_SUMMARY_INTERVAL).
// An alert whose own service's spans of its onset are not here yet is
// placed by the graph and by its neighbours' spans alone, and a storm's
// first placements decide its incidents: the later rereads (recheck.go,
// attribute.go) move one alert, not what joined through it.
//
// So a new alert waits to be placed when its service's spans lag: the
// newest of them (evidence.Tracker.Through) ends more than spanLag before
// the alert's onset, and more than spanLag (but less than one evidence
// window) before the newest spans of any service (evidence.Tracker.Newest):
// others' spans of that moment have come, its own not yet. It is placed
// once its service's spans reach its onset, or at the latest one group
// wait after it came; an incident it opens then pages one group wait
// after the alert came, as it would have without the wait. Nothing waits
// without spans, for a service that sent none, when no service's spans
// are newer (the traces went quiet), or for a service silent a whole
// window (it is not lagging: it sends nothing).

// spanLag is how far a service's spans may lag before its alert's
// placement waits: an SDK's 5 s export interval, so a service whose
// spans come on time, however exported, does not wait.
const spanLag = 5 * time.Second

// spansLag reports whether st's placement should wait for its service's
// spans (above).
func (e *Engine) spansLag(st *alertState) bool {
	if e.cfg.GroupWait <= 0 || !e.spansPresent() || st.Service == "" || !e.graph.HasNode(st.Service) {
		return false
	}
	ev := e.cfg.Evidence
	through := ev.Through(st.Service)
	if through.IsZero() || st.StartsAt.Sub(through) <= spanLag {
		return false
	}
	behind := ev.Newest().Sub(through)
	return behind > spanLag && behind < ev.Window()
}

// spansReached reports whether st's service's spans reached its onset,
// or the traces are gone (none recent, or none of its service's left).
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
// service's spans reached their onset (once waiting, an alert waits for
// the spans of its onset itself, not only for those within spanLag of
// it) or whose wait is over, as Ingest would have: one that resolved
// meanwhile is placed firing, its resolution held as any other.
func (e *Engine) placeAwaited(now time.Time) {
	if len(e.spanWaits) == 0 {
		return
	}
	keep := e.spanWaits[:0]
	for _, w := range e.spanWaits {
		st := e.alerts[w.fp]
		if st == nil || !st.awaitingSpans {
			continue
		}
		if now.Before(w.until) && !e.spansReached(st) {
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
