package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A flapping alert on a neighbour of a fault first joins the fault's
// incident (nothing tells it apart yet); once it flaps it has an incident
// of its own, the fault's incident is as without it, and an alert that
// would have joined through it does not.
func TestFlappingAlertLeavesAndAttractsNothing(t *testing.T) {
	cfg := testConfig()
	cfg.ResolveHold = 10 * time.Second
	e := New(cfg, demoGraph(t))
	e.Ingest(firing("payment", "HighErrorRate", t0), t0)
	e.Ingest(firing("checkout", "HighErrorRate", t0.Add(5*time.Second)), t0.Add(5*time.Second))
	fault := e.IncidentOf(firing("payment", "HighErrorRate", t0).Fingerprint)
	// frontend calls checkout: it joins as a symptom.
	flap := firing("frontend", "probe-7", t0.Add(10*time.Second))
	e.Ingest(flap, flap.StartsAt)
	require.Equal(t, fault, e.IncidentOf(flap.Fingerprint))
	at := flap.StartsAt
	for i := range 4 {
		at = at.Add(30 * time.Second)
		a := flap
		if i%2 == 0 {
			a.State = "resolved"
		} else {
			a.StartsAt = at
		}
		e.Ingest(a, at)
		e.Advance(at)
	}
	own := e.IncidentOf(flap.Fingerprint)
	assert.NotEqual(t, fault, own, "flapping: an incident of its own")
	assert.Equal(t, uint64(1), e.Stats().FlapDetached)
	inc := e.incidents[fault]
	require.NotNil(t, inc)
	assert.Len(t, inc.members, 2)
	assert.NotContains(t, inc.services, "frontend")
	// frontend-proxy calls frontend: the flapping alert explains nothing.
	at = at.Add(5 * time.Second)
	r := e.Ingest(firing("frontend-proxy", "HighLatency", at), at)
	assert.NotEqual(t, own, r.IncidentID)
}
