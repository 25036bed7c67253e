// Package eval replays alertscenario scenarios through the correlator engine.
package eval

import (
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// RunCorrelator replays the scenario through the correlator's engine on
// graph g, advancing time every second of the scenario clock.
func RunCorrelator(s *alertscenario.Scenario, g *topology.Graph, cfg correlate.Config) alertscenario.Outcome {
	cfg.SnapshotMembers = true
	e := correlate.New(cfg, g)
	out := alertscenario.Outcome{Assign: map[int]string{}, Ranking: map[string][]string{}}
	current := map[string]int{} // fingerprint -> current episode
	widest := map[string]int{}
	handle := func(events []correlate.Event) {
		for _, ev := range events {
			if ev.State == alertconv.IncidentOpen {
				out.Pages++
			}
			// The ranking shown when the incident was at its largest.
			if ev.State != alertconv.IncidentResolved && len(ev.Incident.Firing) >= widest[ev.Incident.ID] {
				widest[ev.Incident.ID] = len(ev.Incident.Firing)
				out.Ranking[ev.Incident.ID] = ev.Incident.Ranking
			}
			for _, fp := range ev.Incident.Firing {
				if ep, ok := current[fp]; ok {
					out.Assign[ep] = ev.Incident.ID
				}
			}
		}
	}
	var last time.Time
	for _, n := range s.Notifications {
		if !last.IsZero() {
			for t := last.Add(time.Second); t.Before(n.At); t = t.Add(time.Second) {
				handle(e.Advance(t))
			}
		}
		last = n.At
		fp := n.Fingerprint()
		current[fp] = n.Episode
		e.Ingest(correlate.Alert{
			Fingerprint: fp, RuleName: n.Rule, Service: n.Service, Severity: n.Sev,
			State: n.State, StartsAt: n.StartsAt, Labels: n.Labels(),
		}, n.At)
		handle(e.Advance(n.At))
	}
	for t := last; t.Before(last.Add(time.Hour)); t = t.Add(time.Second) {
		handle(e.Advance(t))
	}
	return out
}
