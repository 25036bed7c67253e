package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/topology"
)

// An older origin still failing (the thirty-ninth pass's rule, twice
// measured and not merged; retried with the reading held, below). An
// origin's alert gathers the alerts of other incidents whose failing
// calls lead to it (attribute.go); from an
// incident explained by an origin of its own it takes only later episodes.
// Whether the incident is so explained is read now, at the gathering, and
// a newer fault below an older one's root makes the older root's calls
// fail: its failing calls then account for its own errors, and it reads
// as no cause of its own (evidence.Unexplained) while errors still
// originate there. Read so, a concurrent fault's origin would take the
// older fault's whole incident. An incident whose root's alert was read
// as a cause of its own before the gathering origin alerted, and whose
// root still shows errors or latency originating there, is explained by
// that origin: the newer origin takes only its later episodes. Not when
// the newer origin is a consumer the root feeds through a queue (a
// messaging edge, learned from producer and consumer spans): a consumer's
// traces start at its consumer span, so a consumer starved or poisoned by
// the root's fault reads as an origin of its own as well as one failing
// on its own, and tells nothing of a second fault.
//
// The reading must hold (fifty-fifth pass): every reading of the alert's
// service in the origins queue for a whole evidence bucket reads it a
// cause of its own. A caller whose client spans reach the tracker apart
// from its server spans, the first of a retry storm's callers, reads so
// for an instant (evidence.go); a failing service reads so bucket after
// bucket. The instant it has held is kept on the alert (ownSeen, set in
// attributeToOrigins while the alert waits in the origins queue) and
// saved in the snapshot with it; a run not yet held (ownFirst) is not,
// and starts again after a restart.

// holdOwn notes one reading of st's service while st waits in the
// origins queue: own, a cause of its own. A run of such readings a
// bucket long sets ownSeen; a reading that is not one ends the run.
func (e *Engine) holdOwn(st *alertState, own bool, now time.Time) {
	switch {
	case !st.ownSeen.IsZero():
	case !own:
		st.ownFirst = time.Time{}
	case st.ownFirst.IsZero():
		st.ownFirst = now
	case now.Sub(st.ownFirst) >= e.cfg.Evidence.Bucket():
		st.ownSeen = now
	}
}

// olderOrigin reports whether src is explained by an older origin of its
// own that ost, a newer origin, does not take whole (see above).
func (e *Engine) olderOrigin(src *incident, ost *alertState) bool {
	rst := e.alerts[src.rootFingerprint]
	if rst == nil || rst.ownSeen.IsZero() || !rst.ownSeen.Before(ost.StartsAt) {
		return false
	}
	if rst.Service != e.rootService(src) || !e.originates(rst.Service) {
		return false
	}
	// A consumer the root feeds through a queue reads as an origin of its
	// own whether it is at fault or starved (its traces start at its
	// consumer span): it tells nothing of a fault apart from the root's.
	k, _ := e.graph.EdgeKind(rst.Service, ost.Service)
	return k != topology.KindMessaging
}
