package correlate

// A relay's reach, with spans. An alert whose best relation is a symptom
// of an alerting dependency below it (one hop or more) is explained
// there: its service relays that dependency's failures. findIncident also
// unites, beside that incident, the incidents whose root calls the
// alert's service within MaxHops, as their deeper root. A direct caller's
// incident is the relayed failure one step further up, where the relay's
// failing calls arrive. A caller two or more hops above the relay would
// join the cause three hops or more away, through a second relay, on the
// graph alone; there a shared caller in front of two concurrent faults (a
// gateway, a hub whose many paths lead nearly everywhere) is related to
// both, and its incident belongs to whichever fault its own calls fail
// toward. With spans speaking the traces say which (attribute.go), so
// such an alert unites only its direct callers' incidents and leaves the
// others to them. Without spans nothing would join those incidents later
// but an alert nearer their root: left apart, they stayed fragments of
// their fault more often than they were another fault's (on draws 1 and
// 2 of the tuning storms, EVALUATION.md's thirtieth pass), so the relay
// unites them as before. An alert on a service already alerting in its
// best incident (hops 0) or taking an incident over as its deeper root
// is no relay: it unites as before.

// relayReaches reports whether an alert whose best candidate is best may
// unite c, a deeper-root candidate, beside it.
func (e *Engine) relayReaches(best, c cand) bool {
	return !e.tracesActive() || !best.symptom || best.hops == 0 || c.hops <= 1
}
