package correlate

// A shared caller between two concurrent faults, placed by how much of
// its failing calls go toward each (seventy-second pass). A service in
// front of two faults (a gateway, a hub) fails toward both, so
// preferTraveled finds both roots reached and leaves the recent order to
// decide; when each edge began to fail does not tell either (an alert
// lags its own fault's failing calls). How much does: a gateway whose
// calls to payment fail at 40/s and to cart at 2/s is paged by payment's
// fault. Among the symptom candidates tied with the first, each of
// whose roots the alert's failing calls reach, the one whose root takes
// at least shareDominance times the share of any other tied root, read
// at the alert's onset (evidence.Tracker.FailingShare), is put first.
// Spans only: without them nothing is read and the order stands.

// shareDominance is how many times the next root's share the largest
// must carry to decide: twice, so that a near even split (two faults
// failing alike behind one caller) leaves the order as it was.
const shareDominance = 2

// preferLargerShare puts first, among the symptom candidates as close to
// st as the best one whose roots st's failing calls reach, the one whose
// root carries shareDominance times the share of any other's.
func (e *Engine) preferLargerShare(st *alertState, cands []cand) {
	if len(cands) < 2 || !cands[0].symptom || !e.tracesActive() {
		return
	}
	hops := cands[0].hops
	best, n, first, second := -1, 0, 0.0, 0.0
	for i := 0; i < len(cands) && cands[i].symptom && cands[i].hops == hops; i++ {
		root := e.rootService(cands[i].inc)
		if root == st.Service || !e.failuresTravel(st.Service, root) {
			continue
		}
		s, ok := e.cfg.Evidence.FailingShare(st.Service, root, e.cfg.MaxHops, st.StartsAt, e.now)
		if !ok {
			return
		}
		n++
		switch {
		case best < 0 || s > first:
			best, first, second = i, s, first
		case s > second:
			second = s
		}
	}
	if n < 2 || best <= 0 || first == 0 || first < shareDominance*second {
		return
	}
	c := cands[best]
	copy(cands[1:best+1], cands[:best])
	cands[0] = c
}

// shareGather is how many times another origin's share of a caller's
// failing calls the gathering origin's must be for the gathering to take
// the caller whatever the other origin (twoorigins.go): half as much
// again.
const shareGather = 1.5

// sharesMostWith reports whether, at st's onset, st's failing calls go to
// origin at least shareGather times as much as to other: a caller of two
// independent origins whose failures are mostly origin's is origin's.
func (e *Engine) sharesMostWith(st *alertState, origin, other string) bool {
	so, ok := e.cfg.Evidence.FailingShare(st.Service, origin, e.cfg.MaxHops, st.StartsAt, e.now)
	if !ok || so == 0 {
		return false
	}
	sx, _ := e.cfg.Evidence.FailingShare(st.Service, other, e.cfg.MaxHops, st.StartsAt, e.now)
	return so >= shareGather*sx
}
