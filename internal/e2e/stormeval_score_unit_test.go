package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestStormScoringMapsRecords checks the storm evaluation's two mappings
// without a binary: records as the binary writes them (incident records,
// and alert records tagged with incident.id), one incident per true
// incident, merged incidents followed to their survivor. The exact mapping
// must score a perfect grouping; the records-only one must not do better.
func TestStormScoringMapsRecords(t *testing.T) {
	s := alertscenario.GenerateFamily(alertscenario.ScaleFreeStorms()).FirstStorms(1, time.Minute)
	r := &stormReplay{t: t, s: s, s0: s.Notifications[0].At, base: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), rankings: map[string][]string{}}
	var recs stormRecords
	id := func(truth int) string { return "inc-" + string(rune('a'+truth)) }
	opened := map[int]bool{}
	spans := r.episodeSpans()
	for _, n := range s.Notifications {
		tid := s.EpisodeTruth[n.Episode]
		if !opened[tid] {
			opened[tid] = true
			var svcs []any
			for ep, et := range s.EpisodeTruth {
				if et == tid {
					svcs = append(svcs, spans[ep].service)
				}
			}
			recs.incidents = append(recs.incidents, stormRecord{at: r.wall(n.At), attrs: map[string]any{
				"incident.id": id(tid), "incident.state": "open", "incident.root_service": s.Truths[tid].Root,
				"incident.services": svcs, "incident.first_seen": r.wall(n.StartsAt).Format(time.RFC3339Nano),
				"incident.last_seen": r.wall(s.Notifications[len(s.Notifications)-1].At).Format(time.RFC3339Nano),
			}})
		}
		recs.alerts = append(recs.alerts, stormRecord{at: r.wall(n.At), attrs: map[string]any{
			"incident.id": id(tid), "alert.fingerprint": n.Fingerprint(),
			"alert.starts_at": r.wall(n.StartsAt).UTC().Format(time.RFC3339Nano),
		}})
	}
	// One more page whose alerts all moved into the first fault's incident
	// (its last record names the merged incident: only following
	// merged_into places it right).
	recs.incidents = append(recs.incidents,
		stormRecord{at: r.base, attrs: map[string]any{"incident.id": "inc-moved", "incident.state": "open", "incident.services": []any{}}},
		stormRecord{at: r.base, attrs: map[string]any{"incident.id": "inc-moved", "incident.state": "resolved", "incident.merged_into": id(0)}})
	first := recs.alerts[0]
	require.Equal(t, id(0), first.str("incident.id"))
	recs.alerts = append(recs.alerts, stormRecord{at: first.at, attrs: map[string]any{
		"incident.id": "inc-moved", "alert.fingerprint": first.str("alert.fingerprint"), "alert.starts_at": first.str("alert.starts_at"),
	}})

	exact := alertscenario.Evaluate(s, r.outcomeExact(recs))
	assert.Equal(t, 1.0, exact.F1, "every alert in its own true incident's page")
	assert.Equal(t, 1.0, exact.AC1)
	assert.Zero(t, exact.Missed)
	require.Equal(t, len(opened)+1, exact.Pages)
	user := alertscenario.Evaluate(s, r.outcomeFromRecords(recs))
	assert.LessOrEqual(t, user.F1, exact.F1)
	assert.Positive(t, user.F1)
}
