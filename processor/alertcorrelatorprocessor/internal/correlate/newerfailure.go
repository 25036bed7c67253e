package correlate

// A service's newer alert follows the failure its calls show now. An
// alert joins the incident its own service already alerts in whatever
// its onset (one failure trips a service's rules minutes apart, the
// thirty-sixth pass). But a service in front of two concurrent faults (a
// gateway, a shared caller) alerts once for each, and its newer alert
// then joined the older fault's page: on the tuning families with spans
// and a second alert per service, the largest class of fragments
// (EVALUATION.md, sixty-seventh pass). Without spans preferNewerCause
// decides this case by onsets; with spans it stood aside. The spans say
// more than onsets: when the service's earlier alert began outside the
// onset window before the new one, and the new alert's calls fail
// (evidence.Link Linked) toward the root of another live incident that
// opened after that earlier alert and not after the new one, the new
// alert is that newer failure's symptom. Not where the earlier alert is
// its incident's root (st's service the root: its own failure).
// MEASURED, NOT KEPT (sixty-seventh pass): a service's second rule
// tripping minutes into the same failure leaves its page the same way.

// preferNewerFailure puts first, with spans, when the best candidate holds
// an earlier alert on st's own service, not near st's onset, the first
// symptom candidate opened after that earlier alert and not after st
// whose root st's calls fail toward.
func (e *Engine) preferNewerFailure(st *alertState, cands []cand) {
	if len(cands) < 2 || !cands[0].symptom || cands[0].hops != 0 || !e.tracesActive() {
		return
	}
	earlier, ok := cands[0].inc.causes[st.Service]
	if root := e.rootService(cands[0].inc); !ok || root == st.Service || e.near(st.StartsAt, earlier) {
		return
	}
	promote(cands, func(c cand) bool { return c.symptom },
		func(c cand) bool {
			t, root := c.inc.firstCause, e.rootService(c.inc)
			return c.hops > 0 && t.After(earlier) && !t.After(st.StartsAt) && root != st.Service && e.failuresTravel(st.Service, root)
		})
}
