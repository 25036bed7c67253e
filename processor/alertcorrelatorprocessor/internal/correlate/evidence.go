package correlate

import (
	"slices"

	"github.com/quell-otel/quell/internal/evidence"
)

// Trace evidence, when the engine has it (Config.Evidence), decides what
// the graph and onsets alone cannot:
//   - an alert on a service where errors originate (failing spans with no
//     failing child, beyond the service's baseline) is a cause of its own,
//     not a symptom of an alerting dependency, when its calls there do not
//     fail or when its origins outnumber its failing calls
//     (evidence.Unexplained): two concurrent faults on neighbours stay two
//     incidents. (Not on origins alone: a caller whose failing client
//     spans reach the tracker apart from its server spans shows origins
//     too, but never more than its failing calls.)
//   - an incident whose root's errors are its own in that sense is not
//     taken over by an alert on one of the root's dependencies;
//   - the root is the alerting service where errors originate, first;
//   - latency counts as errors do: a service whose own work (its spans'
//     self time) runs slow beyond its baseline is an origin and a cause
//     of its own, and slowness along an edge travels as failures do;
//   - alerts whose failing calls lead to an alerting service that is a
//     cause of its own belong with that service's incident, whatever
//     their onsets (attribute.go);
//   - the incident says why, in one line, with an exemplar trace.
// Where the traces say nothing (no spans, a thin window), the alert-only
// path decides alone.

// tracesActive reports whether the evidence has recent spans (the
// ranking may then change while the alerts do not) that speak of the
// alerting services (informative.go).
func (e *Engine) tracesActive() bool {
	return e.spansPresent() && e.spansSpeak()
}

// originates reports whether the traces show errors, or latency,
// originating in svc.
func (e *Engine) originates(svc string) bool {
	return e.tracesActive() && (e.cfg.Evidence.Origin(svc, e.now).Anomalous || e.slowOrigin(svc) > 0)
}

// ownCause reports whether the traces show errors originating in svc
// that its failing calls do not account for (evidence.Unexplained), or
// latency originating there: its own work, outside its calls, slow
// beyond its baseline (a caller slow only through its calls is not).
func (e *Engine) ownCause(svc string) bool {
	return e.tracesActive() && (e.cfg.Evidence.Unexplained(svc, e.now) || e.slowOrigin(svc) > 0)
}

// slowOrigin is the share of svc's spans slow on their own when latency
// originates there (evidence.Slow), else 0.
func (e *Engine) slowOrigin(svc string) float64 {
	if sl := e.cfg.Evidence.SlowOrigin(svc, e.now); sl.Anomalous {
		return sl.Rate
	}
	return 0
}

// quiet reports whether the traces show svc well observed with no
// anomaly touching it (evidence.Quiet).
func (e *Engine) quiet(svc string) bool {
	return e.tracesActive() && e.cfg.Evidence.Quiet(svc, e.now)
}

// failuresTravel reports whether the traces show failing calls leading
// from s down to d within MaxHops.
func (e *Engine) failuresTravel(s, d string) bool {
	return e.tracesActive() && e.cfg.Evidence.Link(s, d, e.cfg.MaxHops, e.now) == evidence.Linked
}

// originRank is a service's standing as an origin of errors or latency: 0
// without evidence or anomaly, else above 0 and higher for a higher share
// of its spans failing, or running slow, on their own.
func (e *Engine) originRank(svc string) float64 {
	if !e.tracesActive() {
		return 0
	}
	rank := e.slowOrigin(svc)
	if o := e.cfg.Evidence.Origin(svc, e.now); o.Anomalous {
		rank = max(rank, o.Rate)
	}
	return rank
}

// explain fills the snapshot's evidence line and exemplar for its root:
// its silent root when it names one (silentdep.go, lonesilent.go), whose
// origin share and the alerting services' calls through it say why.
func (e *Engine) explain(s *Snapshot, inc *incident) {
	ev := e.cfg.Evidence
	if s.RootService == "" || !e.tracesActive() {
		return
	}
	alerting := make([]string, 0, len(inc.services))
	for svc := range inc.services {
		alerting = append(alerting, svc)
	}
	slices.Sort(alerting)
	s.Evidence, s.ExemplarTraceID = ev.Explain(explained(s), alerting, e.cfg.MaxHops, e.now)
}

// explained is the service a snapshot's evidence line is about: its
// silent root when it names one, else its root alert's service.
func explained(s *Snapshot) string {
	if s.SilentRoot != "" {
		return s.SilentRoot
	}
	return s.RootService
}
