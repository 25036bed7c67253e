package correlate

import "time"

// A later alert on a service already alerting. One failure on a service
// trips its alerts together (errors, latency, saturation measure the same
// trouble, and the rules that watch them fire within seconds of each
// other), so a second alert on a service that already alerts in an
// incident belongs there when it opens close to the first. One that opens
// well after it, on a service already in trouble, is as likely a cause of
// its own (a deploy, a restart or a maintenance window on that service,
// a second fault below a hub) as the same failure seen by another rule,
// and every relation it has to that incident runs through a service the
// incident already explains. Without spans nothing tells the two apart:
// such an alert does not join an incident in which its service alerts
// from more than sameServiceGap before its onset, whatever its relation
// to it; it opens an incident of its own, which a deeper root may still
// take over. With spans speaking, attribute.go decides by where the
// failing calls lead. The onsets it reads are the incident's (causes),
// restored with its members: nothing new to save.
const sameServiceGap = 45 * time.Second

// dropLateOnSame drops from cands the incidents in which st's service
// already alerts from more than sameServiceGap before st's onset (see
// above).
func (e *Engine) dropLateOnSame(st *alertState, cands []cand) []cand {
	if e.tracesActive() {
		return cands
	}
	out := cands[:0]
	for _, c := range cands {
		if t, ok := c.inc.causes[st.Service]; !ok || st.StartsAt.Sub(t) <= sameServiceGap {
			out = append(out, c)
		}
	}
	return out
}
