package evidence

// Whether a service's spans run slow, for Quiet. Spans fed here carry
// their durations (the window's lat). Summaries carry none: their
// observer judged each span's self time against the service's usual and
// sent how many ran slow (SlowSelf, Merge into the window's self). Read
// as "not timed", every service counted only in summaries was never
// quiet, and the rules that keep an alert apart from a quiet neighbour
// (a quiet pair, a take-over refused by a quiet cause) never spoke in
// the scaled deployment (ninety-fourth pass, EVALUATION.md). Its own
// work's slowness is its self time; a slow callee's shows on the calls
// out of it, which Quiet reads from its edges, timed by the observer too.

// ownTimes is the latency that says whether w's service runs slow: its
// spans' durations when they came here, else (summaries only) its self
// times as the observer judged them; nil when neither is known.
func (w *window) ownTimes() *latency {
	if w.lat != nil {
		return w.lat
	}
	return w.self
}
