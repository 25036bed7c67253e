package correlate

// A further alert on a root whose calls fail freshly. The same-service
// relation (match.go) joins a service's further alert to the incident its
// service alerts in: one failure trips a service's rules minutes apart.
// But a service that roots an incident of its own (errors originate in
// it) can be hit by a second fault below it while the first lasts: on
// the otel-demo, draw 0, with traces, ad alerted for its own fault, and
// 40 s later again as a caller of flagd, whose fault had begun two
// seconds before and which alerted a minute and a half later; the second
// alert and the caller that joined it went to ad's page (two faults
// merged; EVALUATION.md, eightieth pass). The spans tell them apart as
// freshcause.go tells a gateway's: the new alert opened as its calls
// toward a cause of its own began to fail (evidence.Fresh), while its own
// errors are older. So freshcause.go's wait applies to such an alert too,
// though its service is a cause of its own: it opens an incident of its
// own whose page waits for that cause, and the cause, once it alerts,
// gathers it (attribute.go), though its service still originates errors
// and its incident's root is an origin of its own. Where the calls
// toward the cause failed as long as the service's own errors, or the
// cause has alerted, the same-service relation stands.

// furtherOnRoot reports whether st's best candidate c, whose root is
// root, is its own service's incident where that service is the root and
// a cause of its own.
func (e *Engine) furtherOnRoot(st *alertState, root string, c cand) bool {
	return root == st.Service && c.symptom && c.hops == 0 && e.ownCause(st.Service)
}

// waitsFor reports whether st waits for origin as its fresh cause.
func waitsFor(st *alertState, origin string) bool {
	return st.fresh != nil && st.fresh.service == origin && st.fresh.onset.Equal(st.StartsAt)
}

// rootWaitsFor reports whether inc's root alert waits for origin.
func (e *Engine) rootWaitsFor(inc *incident, origin string) bool {
	st := e.alerts[inc.rootFingerprint]
	return st != nil && waitsFor(st, origin)
}
