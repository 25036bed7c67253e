package correlate

import "time"

// Spans are evidence about an alert only where they could have shown its
// fault. A trace stream decoupled from the alerts (a load generator that
// keeps sending healthy traffic through a storm, another cluster's spans,
// a 1% head sample that missed the failures) or alerts on what spans do
// not measure (a disk, a saturation) leave every alerting service looking
// quiet: each rule that reads the spans as a verdict would then call every
// alert "not real" (gate.go's quiet take-overs, burstjoin.go, the burst
// rule's quiet hub, match.go's quiet pair) or wait for a cause that never
// shows (freshcause.go, await.go), and fragment every fault.
//
// So the engine reads the spans only while they speak of the alerts:
// errors or latency originate (evidence.Tracker.Originating) in a service
// that alerts now or in one of its direct dependencies (an unalerting
// root; an uninstrumented database shows in its callers' calls), or did
// so within the correlation window (Config.Window: the storm's fault has
// shown, and the spans' silence since says something, that it ended or
// that a later alert is about something else). Otherwise the engine
// decides as it does without spans, alerts only. Failing or slow calls
// alone do not count: a gateway calling hundreds of services sees some
// call fail by chance in most windows, and a fault's failing calls come
// from an origin anyway. One verdict per instant, so that every rule
// reads the same one: tracesActive, which all of them call, asks it. The
// queues of alerts read again (recheck.go, attribute.go) take alerts
// whenever spans arrive (spansPresent), so that an alert placed before
// its fault's spans showed is read again once they do.
//
// The verdict is not saved (state.go): a restarted engine's tracker starts
// empty too, and both learn again from the spans that follow.

// spanVerdict is whether the spans speak of the alerting services, as
// read at the instant at, and when they last did.
type spanVerdict struct {
	at    time.Time
	speak bool
	spoke time.Time
}

// spansPresent reports whether spans arrived recently, whether or not they
// speak of the alerts.
func (e *Engine) spansPresent() bool {
	return e.cfg.Evidence != nil && e.cfg.Evidence.Active(e.now)
}

// spansSpeak reports whether errors or latency originate, or did within
// the correlation window, in a service with an alert in an open incident,
// in the service of an alert being placed (noteAlerting), or in a direct
// dependency of either. Read once per instant.
func (e *Engine) spansSpeak() bool {
	if e.verdict.at.Equal(e.now) {
		return e.verdict.speak
	}
	svcs := make([]string, 0, len(e.byService))
	for svc := range e.byService {
		svcs = e.withDependencies(svcs, svc)
	}
	e.verdict.at = e.now
	if e.cfg.Evidence.Originating(svcs, e.now) {
		e.verdict.spoke = e.now
	}
	e.verdict.speak = !e.verdict.spoke.IsZero() && e.now.Sub(e.verdict.spoke) <= e.cfg.Window
	return e.verdict.speak
}

// noteAlerting adds the service of an alert being placed, which no
// incident may hold yet, to the instant's verdict.
func (e *Engine) noteAlerting(svc string) {
	if !e.spansPresent() || e.spansSpeak() {
		return
	}
	if e.cfg.Evidence.Originating(e.withDependencies(nil, svc), e.now) {
		e.verdict.speak, e.verdict.spoke = true, e.now
	}
}

// withDependencies appends svc and its direct dependencies to svcs.
func (e *Engine) withDependencies(svcs []string, svc string) []string {
	svcs = append(svcs, svc)
	for _, d := range e.graph.DependencyList(svc, 1) {
		svcs = append(svcs, d.Service)
	}
	return svcs
}
