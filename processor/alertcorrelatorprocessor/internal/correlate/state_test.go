package correlate

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
)

// TestStateSavedBeforeTheHoldsLoads: a state saved by the version before
// quiet_refused, fresh_cause and the re-read queues were saved (checkout
// and payment paged as one incident, checkout's resolution held) loads:
// nothing pages again, the held resolution applies, the incident resolves
// as itself, and the new holds read empty.
func TestStateSavedBeforeTheHoldsLoads(t *testing.T) {
	b, err := os.ReadFile("testdata/state-v1-before-holds.json")
	require.NoError(t, err)
	cfg := testConfig()
	cfg.GroupWait = 0
	e := New(cfg, demoGraph(t))
	require.NoError(t, e.Unmarshal(b))
	for _, st := range e.alerts {
		assert.False(t, st.quietRefused)
		assert.Equal(t, freshCause{}, st.fresh)
	}
	assert.Empty(t, e.origins)
	assert.Empty(t, e.rechecks)

	id := e.IncidentOf(firing("payment", "PaymentFailures", t0).Fingerprint)
	require.NotEmpty(t, id)
	assert.Equal(t, Duplicate, e.Ingest(firing("payment", "PaymentFailures", t0), t0.Add(2*time.Second)).Outcome)
	assert.Empty(t, e.Advance(t0.Add(2*time.Second)))
	e.Ingest(resolved("payment", "PaymentFailures", t0), t0.Add(time.Minute))
	events := e.Advance(t0.Add(3 * time.Minute))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentResolved, events[0].State)
	assert.Equal(t, id, events[0].Incident.ID)
}

// TestStateWithoutHoldsSavesAsBefore: the new fields are omitted when
// empty, so a state with no hold saves as the previous version did.
func TestStateWithoutHoldsSavesAsBefore(t *testing.T) {
	b, err := os.ReadFile("testdata/state-v1-before-holds.json")
	require.NoError(t, err)
	e := New(testConfig(), demoGraph(t))
	require.NoError(t, e.Unmarshal(b))
	out, err := e.Marshal()
	require.NoError(t, err)
	var before, after State
	require.NoError(t, json.Unmarshal(b, &before))
	require.NoError(t, json.Unmarshal(out, &after))
	assert.ElementsMatch(t, before.Alerts, after.Alerts)
	assert.ElementsMatch(t, before.Incidents, after.Incidents)
	assert.NotContains(t, string(out), "quiet_refused")
	assert.NotContains(t, string(out), "fresh_")
	assert.NotContains(t, string(out), "origins")
}
