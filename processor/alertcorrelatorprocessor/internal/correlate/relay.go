package correlate

// A relay's reach. An alert whose best relation is a symptom of an
// alerting dependency below it (one hop or more) is explained there: its
// service relays that dependency's failures. findIncident also unites,
// beside that incident, the incidents whose root calls the alert's service
// within MaxHops, as their deeper root. A direct caller's incident is the
// relayed failure one step further up, where the relay's failing calls
// arrive. A caller two or more hops above the relay would join the cause
// three hops or more away, through a second relay, on the graph alone;
// there a shared caller in front of two concurrent faults (a gateway, a
// hub whose many paths lead nearly everywhere) is related to both, and
// its incident belongs to whichever fault its own calls fail toward, not
// to the one a relay below it happens to explain. So such an alert unites
// only its direct callers' incidents; the others stay as they are, and a
// later alert nearer their root, or the traces (attribute.go), joins them.
// An alert on a service already alerting in its best incident (hops 0) or
// taking an incident over as its deeper root is no relay: it unites as
// before.

// relayReaches reports whether an alert whose best candidate is best may
// unite c, a deeper-root candidate, beside it.
func relayReaches(best, c cand) bool {
	return !best.symptom || best.hops == 0 || c.hops <= 1
}
