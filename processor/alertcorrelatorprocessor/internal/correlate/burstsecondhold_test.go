package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
)

// TestServicesLaterAlertInBurstWaitsForItsIncident, alerts only: payment
// alerts and pages; a minute later a1-a3 (a burst) and payment's second
// alert (another rule) open in the same seconds. The burst keeps the
// second alert apart from payment's incident (that relation is not
// through the graph), so it opens a lone incident; its page waits, as
// its service is already paged in another incident, at most cause_wait
// past group_wait, and goes out then when nothing took it. a1, alone on
// its service, pages at group_wait. Where it stays is unchanged.
func TestServicesLaterAlertInBurstWaitsForItsIncident(t *testing.T) {
	cfg := burstConfig()
	cfg.GroupWait, cfg.CauseWait = 10*time.Second, time.Minute
	e := New(cfg, staticGraph(fourPaymentCallers()))
	start := t0.Add(10 * time.Minute)
	first := e.Ingest(firing("payment", "HighErrorRate", start), start)
	for s := 1; s <= 20; s++ {
		e.Advance(start.Add(time.Duration(s) * time.Second))
	}
	at, a1 := burstOfThree(e, start.Add(time.Minute))
	at = at.Add(time.Second)
	second := e.Ingest(firing("payment", "LatencyHigh", at), at)
	require.NotEqual(t, first.IncidentID, second.IncidentID, "the burst keeps it apart")
	paged := map[string]int{}
	for s := 1; s <= 90; s++ {
		for _, ev := range e.Advance(at.Add(time.Duration(s) * time.Second)) {
			if ev.State == alertconv.IncidentOpen {
				paged[ev.Incident.ID] = s
			}
		}
	}
	assert.Equal(t, 70, paged[second.IncidentID], "the second alert's page, seconds after its onset")
	assert.LessOrEqual(t, paged[a1.IncidentID], 10, "a1's page goes at group_wait")
	assert.NotEqual(t, first.IncidentID, e.IncidentOf(firing("payment", "LatencyHigh", at).Fingerprint), "no alert moves")
}
