package correlate

import "time"

// An alert too new to tell. Whether a service's errors are its own
// (evidence.Unexplained: more of its spans fail with no failing child
// than its calls fail) is read over the whole evidence window, most of it
// from before the alert's onset: a fault that began on a service seconds
// ago, while its calls toward a failing dependency had failed for a
// while, shows its own errors there before they outnumber those calls,
// and the two counts cross back and forth at its onset with the spans
// sampled. An origin that gathers the alerts whose errors its spans
// explain (attribute.go) gathers such an alert at its first reading as a
// mere caller, and the merge is not undone when the counts cross a
// second later: a concurrent fault upstream of another paged in the
// other's page (the thirty-first pass: on layered-120's second sample of
// the traces, two faults and 12 alerts in one page). So while errors
// originate in an alert's service and its onset is younger than one
// evidence bucket (the spans of its onset have not all been counted), no
// origin gathers it; it is read again on the next Advance, and gathered
// then if its service still reads as a caller.

// tooNewToTell reports whether st is too new for an origin to gather it
// (see above).
func (e *Engine) tooNewToTell(st *alertState, now time.Time) bool {
	return now.Sub(st.StartsAt) < e.cfg.Evidence.Bucket() && e.originates(st.Service)
}
