package correlate

// A caller of two independent origins is not taken by either's gathering
// (sixty-sixth pass). An origin's alert gathers the alerts whose failing
// calls lead to it (attribute.go). A service in front of two concurrent
// faults (a gateway, a hub, a mid-layer service calling both) fails
// toward both; when the spans show a second service below it failing on
// its own, and no anomalous edge links that service and the gathering
// origin either way, its failures are two problems' and the spans do not
// say which one its alert is. The gathering then leaves it where the
// graph put it rather than carry it, often with the whole incident it
// sits in, into the gathering origin's page. Where the second service's
// failures travel to the gathering origin or come from it, one problem
// reaches the caller along two paths, and the gathering takes it as
// before. Not for a service's later alert: a service that already
// alerts for one trouble and trips another rule once a second service
// below it starts failing tells the newer one's story with it (the
// gathering's laterEpisodes reads it so too).

// failsTowardAnother reports whether st's service's failing calls also
// lead to a service other than origin that is a cause of its own
// (ownCause) and apart from origin: neither's failing calls lead to the
// other, and origin does not take most of them (sharesMostWith,
// sharegather.go).
func (e *Engine) failsTowardAnother(st *alertState, origin string) bool {
	if !e.tracesActive() || e.alertedBefore(st) {
		return false
	}
	for _, x := range e.cfg.Evidence.Reached(st.Service, e.cfg.MaxHops, e.now) {
		if x == origin || !e.ownCause(x) {
			continue
		}
		if !e.failuresTravel(x, origin) && !e.failuresTravel(origin, x) && !e.sharesMostWith(st, origin, x) {
			return true
		}
	}
	return false
}

// alertedBefore reports whether st's service has an alert in a live
// incident that began before st.
func (e *Engine) alertedBefore(st *alertState) bool {
	for _, inc := range e.byService[st.Service] {
		if t, ok := inc.causes[st.Service]; ok && t.Before(st.StartsAt) && e.live(inc, e.now) {
			return true
		}
	}
	return false
}
