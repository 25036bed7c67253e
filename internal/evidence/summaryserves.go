package evidence

// Which services send spans of their own, as a Summarizer sees them. A
// client span whose callee's span is not in the same batch counts a
// failure in the callee (count, observe.go) only when the callee sends no
// spans of its own (a database): otherwise the callee's own spans say
// where its failures begin, and a caller's failing call says nothing of
// it. The Tracker reads this off its windows (serves). A Summarizer was
// written for observers that receive whole traces, and answered no; but
// an observing replica receives what the balancer forwards: each
// service's spans as its SDK exported them, routed by trace ID, so a
// call and its callee's span arrive in different batches. Answering no
// there counts every failing call as an error originating in its callee,
// and a failing service's healthy callers' callees read as origins of
// errors (ninety-fourth pass, EVALUATION.md). So the Summarizer
// remembers, across its intervals, the services that sent spans of their
// own, as the Tracker's windows do, beside their usual self times.

// serves reports whether svc has sent spans of its own lately: its usual
// self time, kept across Takes within MaxServices (usuals: a service
// forgotten or refused there is not remembered here either, counted as
// Overflow.Usuals), has been fed a span of its own.
func (s *Summarizer) serves(svc string) bool {
	e := s.selfUsual.m[svc]
	return e != nil && e.own
}
