package correlate

// A fault's symptoms in a burst. During a storm of concurrent faults, the
// onsets that open incidents (each fault's root and its first callers)
// form as many unconnected groups as there are faults, so the burst rule
// (burst.go) reads the window as coincidence and isolates every alert
// whose onset falls in it, a direct caller of a failing root that alerted
// seconds before included: on the layered-300 storms with traces, 10 of
// the 26 alerts paged apart from their fault's main page were isolated so,
// and no origin gathered them (the sparse spans show no failing calls
// along the edge: evidence.Link Unknown). A burst's own alerts (a deploy,
// a maintenance window) sit on services the spans show quiet: well
// observed, nothing failing in or around them. So with recent spans, an
// alert in a burst whose service is not quiet keeps its symptom relations
// to an alerting direct dependency when that is its nearest relation, and
// its deeper-root relations when it has no symptom relation (a failing
// service whose callers alerted first); every other relation stays
// coincidence. Without spans only burstpaged.go's relations stay.

// burstSymptoms returns the relations st keeps in a burst (see above).
func (e *Engine) burstSymptoms(st *alertState, cands []cand) []cand {
	out := e.burstKeeps(st, cands)
	if len(out) > 0 {
		// Its onset still counts in the burst it fell in, as it did when
		// it opened an incident of its own: joining must not end the
		// burst for the unrelated alerts that follow.
		e.noteOnset(st)
	}
	return out
}

// burstKeeps is burstSymptoms without recording st's onset.
func (e *Engine) burstKeeps(st *alertState, cands []cand) []cand {
	if !e.tracesActive() {
		// Without spans only a paged fault's late callers (burstpaged.go).
		return e.burstPagedCallers(st, cands)
	}
	if e.quiet(st.Service) {
		e.noteQuietKept(st)
		return nil
	}
	sortCands(cands)
	if !cands[0].symptom {
		// A dependency of callers that alerted first: their deeper root.
		return cands
	}
	if c := cands[0]; c.hops != 1 {
		// Its nearest relation is another alert on its own service, or
		// farther: a burst's alert as likely as a symptom.
		return nil
	}
	var out []cand
	for _, c := range cands {
		if c.symptom && c.hops == 1 {
			out = append(out, c)
		}
	}
	return out
}
