package correlate

import (
	"maps"
	"slices"
	"time"
)

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
// So the engine reads the spans only while they speak of the alerts
// (tracesActive, which every rule calls, asks spansSpeak; one verdict per
// instant, so that every rule reads the same one): when they are coupled
// to the alerts, or when errors or latency originate now
// (evidence.Tracker.Originating) in a service with an alert in an open
// incident or in one of its direct dependencies (an unalerting root; an
// uninstrumented database shows in its callers' calls). That reading
// (OriginatingAmong) asks twice the failing or slow spans one service's
// anomaly does: taken over every alerting service and its dependencies
// every second of a storm, it would otherwise find a thin service's three
// or four background errors together somewhere in a large graph and speak
// for every alert (thirty-fifth pass). The reading at an alert's
// placement, of its own service and dependencies once, keeps one
// service's bar, but for the tens of dependencies of a gateway
// (originatesAt, forty-first pass). They are coupled once an alert is
// placed while errors or latency originate in its service or a direct
// dependency, and stay so through the rest of that
// storm and the next one (a storm begins with an alert placed while no
// other is in an open incident): from then on, a service they show quiet
// is evidence (a maintenance alert at the start of a storm, the spans of
// a fault that has ended while its alerts still fire). A storm whose
// alerts they never showed so ends the coupling at the next one's start:
// a chance origin (a few spans of a thin service failing together) does
// not couple them for good, and a coupling is read again once the spans
// that made it have left the tracker's short view: a fault keeps failing
// there, a chance triple does not (confirmCoupling, forty-sixth pass).
// Otherwise the engine decides as it does
// without spans, alerts only. Failing or slow calls alone do not count:
// a gateway calling hundreds of services sees some call fail by chance in
// most windows, and a fault's failing calls come from an origin anyway.
//
// The queues of alerts read again (recheck.go, attribute.go) take alerts
// whenever spans arrive (spansPresent), so that an alert placed before its
// fault's spans showed is read again once they do. The verdict is not
// saved (state.go): a restarted engine's tracker starts empty too, and
// both learn again from the spans and alerts that follow.

// spanVerdict is whether the spans speak of the alerting services, as
// read at the instant at. coupled: an alert of this storm, or of the last
// one, was placed while errors or latency originated near it; shown: one
// of this storm's was.
type spanVerdict struct {
	at      time.Time
	speak   bool
	coupled bool
	shown   bool
	// trigger is the service whose alert's placement coupled the spans,
	// placed at triggered; before is whether they were coupled then (by
	// the last storm). confirmCoupling keeps or withdraws the coupling.
	trigger   string
	triggered time.Time
	before    bool
}

// spansPresent reports whether spans arrived recently, whether or not they
// speak of the alerts.
func (e *Engine) spansPresent() bool {
	return e.cfg.Evidence != nil && e.cfg.Evidence.Active(e.now)
}

// spansSpeak reports whether the spans are coupled to the alerts, or
// errors or latency originate in a service with an alert in an open
// incident or in one of its direct dependencies. Read once per instant.
func (e *Engine) spansSpeak() bool {
	if e.verdict.at.Equal(e.now) {
		return e.verdict.speak
	}
	e.confirmCoupling()
	e.verdict.at = e.now
	if e.verdict.coupled {
		e.verdict.speak = true
		return true
	}
	// By name, not byService's order: the reading stops at the first
	// service it finds originating, and the windows it has read learn
	// their baselines at its thresholds (order.go).
	svcs := make([]string, 0, len(e.byService))
	for _, svc := range slices.Sorted(maps.Keys(e.byService)) {
		svcs = e.withDependencies(svcs, svc)
	}
	e.verdict.speak = e.cfg.Evidence.OriginatingAmong(svcs, e.now)
	return e.verdict.speak
}

// noteAlerting reads the spans around an alert being placed: errors or
// latency originating in its service or a direct dependency show the
// spans coupled to the alerts, until a storm passes whose alerts they
// never showed so. A storm begins with an alert placed while no other is
// in an open incident.
func (e *Engine) noteAlerting(svc string) {
	if !e.spansPresent() {
		return
	}
	if len(e.byService) == 0 {
		e.verdict.coupled = e.verdict.shown
		e.verdict.shown = false
		e.verdict.at = time.Time{}
	}
	if !e.verdict.shown && e.originatesAt(svc) {
		v := &e.verdict
		v.trigger, v.triggered, v.before = svc, e.now, v.coupled
		v.coupled, v.shown = true, true
		v.at = time.Time{}
	}
}

// confirmCoupling (each Advance, and each verdict) reads the coupling's
// trigger again once the failing or slow spans that coupled it have left
// the tracker's short view (RecentView): a fault keeps failing there, so
// the coupling stands; a few spans of a thin service that failed together
// by chance do not recur, so it is withdrawn (back to what the last storm
// left) and the storm's next placement may couple again. Spans that stopped
// coming refute nothing: the coupling stands.
func (e *Engine) confirmCoupling() {
	v := &e.verdict
	if v.trigger == "" || e.now.Sub(v.triggered) < e.cfg.Evidence.RecentView() {
		return
	}
	if e.spansPresent() && !e.originatesAt(v.trigger) {
		v.coupled, v.shown = v.before, false
		v.at = time.Time{}
	}
	v.trigger = ""
}

// manyDependencies is the count of direct dependencies beyond which an
// alert's placement reads them at the storm-wide bar (originatesAt).
const manyDependencies = 10

// originatesAt reports whether errors or latency originate in svc or in
// one of its direct dependencies, at one service's bar (a fault's first
// spans are few), but for a service with more than manyDependencies
// direct dependencies (a gateway calling tens of services) at the
// storm-wide bar (OriginatingAmong): read all at once at each of a
// storm's placements, some thin one among them shows three or four
// background errors together by chance, and couples spans that show no
// fault to that storm and the next (forty-first pass).
func (e *Engine) originatesAt(svc string) bool {
	ev, svcs := e.cfg.Evidence, e.withDependencies(nil, svc)
	if len(svcs) <= manyDependencies+1 {
		return ev.Originating(svcs, e.now)
	}
	return ev.Originating(svcs[:1], e.now) || ev.OriginatingAmong(svcs[1:], e.now)
}

// withDependencies appends svc and its direct dependencies to svcs.
func (e *Engine) withDependencies(svcs []string, svc string) []string {
	svcs = append(svcs, svc)
	for _, d := range e.graph.DependencyList(svc, 1) {
		svcs = append(svcs, d.Service)
	}
	return svcs
}
