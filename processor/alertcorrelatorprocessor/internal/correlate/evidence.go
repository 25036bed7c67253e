package correlate

import (
	"slices"

	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/evidence"
)

// Trace evidence, when the engine has it (Config.Evidence), decides three
// things the graph alone cannot:
//   - whether an alert on s is a symptom of an alerting dependency d: only
//     if failures travel from s down to d (a path of anomalous edges) and
//     do not originate in s itself;
//   - whether s is the deeper root of an incident rooted at its caller c:
//     only if failures travel from c to s and c is not an origin itself;
//   - which alerting service is the root: errors originating there first.
// Where the traces do not cover both services in the window, the engine
// falls back to the graph and onsets (the alert-only path).

// tracesLink says whether traces link s's alert as a symptom of d's; known
// is false when they cannot tell.
func (e *Engine) tracesLink(s, d string) (linked, known bool) {
	ev := e.cfg.Evidence
	if ev == nil {
		return false, false
	}
	if ev.Origin(s, e.now).Anomalous {
		if DebugLink {
			println("LINK", e.now.Format("15:04:05"), s, d, "s-origin")
		}
		return false, true
	}
	if DebugLink {
		println("LINK", e.now.Format("15:04:05"), s, d, ev.Link(s, d, e.cfg.MaxHops, e.now), ev.Debug(s, e.now))
	}
	return decide(ev.Link(s, d, e.cfg.MaxHops, e.now))
}

// tracesLinkDeeper says whether traces make s the deeper root under its
// caller c.
func (e *Engine) tracesLinkDeeper(c, s string) (linked, known bool) {
	ev := e.cfg.Evidence
	if ev == nil {
		return false, false
	}
	if ev.Origin(c, e.now).Anomalous {
		return false, true
	}
	return decide(ev.Link(c, s, e.cfg.MaxHops, e.now))
}

func decide(l evidence.Link) (linked, known bool) {
	switch l {
	case evidence.Linked:
		return true, true
	case evidence.Unlinked:
		return false, true
	}
	return false, false
}

// originRank is a service's standing as an origin of errors: 0 without
// evidence or anomaly, else above 0 and higher for a higher origin rate.
func (e *Engine) originRank(svc string) float64 {
	if e.cfg.Evidence == nil {
		return 0
	}
	o := e.cfg.Evidence.Origin(svc, e.now)
	if !o.Anomalous {
		return 0
	}
	return o.Rate
}

// explain fills the snapshot's evidence line and exemplar for its root.
func (e *Engine) explain(s *Snapshot, inc *incident) {
	ev := e.cfg.Evidence
	if ev == nil || s.RootService == "" {
		return
	}
	alerting := make([]string, 0, len(inc.services))
	for svc := range inc.services {
		alerting = append(alerting, svc)
	}
	slices.Sort(alerting)
	s.Evidence = ev.Line(s.RootService, alerting, e.cfg.MaxHops, e.now)
	if s.Evidence != "" {
		s.ExemplarTraceID = ev.Origin(s.RootService, e.now).Exemplar
	}
}

// DebugLink is temporary.
var DebugLink = false
