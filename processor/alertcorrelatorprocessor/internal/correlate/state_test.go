package correlate

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestStateSavedBeforeTheHoldsLoads: a state saved by the version before
// quiet_refused, fresh_cause, storm, the evidence line, the re-read queues
// and the burst onsets were saved (checkout and payment paged as one
// incident, checkout's resolution held) loads: nothing pages again, the
// held resolution applies, the incident resolves as itself, and the new
// holds read empty.
func TestStateSavedBeforeTheHoldsLoads(t *testing.T) {
	b, err := os.ReadFile("testdata/state-v1-before-holds.json")
	require.NoError(t, err)
	cfg := testConfig()
	cfg.GroupWait = 0
	e := New(cfg, demoGraph(t))
	require.NoError(t, e.Unmarshal(b))
	for _, st := range e.alerts {
		assert.False(t, st.quietRefused)
		assert.Nil(t, st.fresh)
	}
	assert.Empty(t, e.origins)
	assert.Empty(t, e.rechecks)
	assert.Empty(t, e.onsets)
	assert.Empty(t, e.storms)

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
	assert.NotContains(t, string(out), "onsets")
	assert.NotContains(t, string(out), "evidence")
}

// TestSymptomReadAgainAfterRestore: restored from the state saved while
// checkout's alert is still read again as payment's symptom (recheck.go),
// the engine lets it leave once errors originate in checkout, as without
// a restart (TestSymptomReadAgain).
func TestSymptomReadAgainAfterRestore(t *testing.T) {
	symptomReadAgain(t, true)
}

// restarted returns an engine restored from e's saved state, as a
// restarted collector's, with cfg and the graph g.
func restarted(t *testing.T, e *Engine, cfg Config, g *topology.Graph) *Engine {
	t.Helper()
	b, err := e.Marshal()
	require.NoError(t, err)
	r := New(cfg, g)
	require.NoError(t, r.Unmarshal(b))
	return r
}

// TestStormIncidentSurvivesRestore: restored with its environment's storm
// incident open, the engine folds the next alert beyond
// limits.max_incidents into that incident, still marked a storm, as
// without a restart (not into a second storm incident).
func TestStormIncidentSurvivesRestore(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "no restart", true: "restart"}[restart], func(t *testing.T) {
			cfg := testConfig()
			cfg.MaxIncidents = 1
			e := New(cfg, demoGraph(t))
			e.Ingest(firing("payment", "A", t0), t0)
			storm := e.Ingest(firing("ad", "B", t0), t0)
			if restart {
				e = restarted(t, e, cfg, demoGraph(t))
			}
			next := e.Ingest(firing("frontend", "C", t0.Add(time.Second)), t0.Add(time.Second))
			assert.Equal(t, storm.IncidentID, next.IncidentID)
			snap, ok := e.Incident(storm.IncidentID, t0.Add(time.Second))
			require.True(t, ok)
			assert.True(t, snap.Storm)
			assert.Equal(t, 2, snap.AlertCount)
		})
	}
}

// TestBurstSurvivesRestore: restored in the middle of a maintenance-like
// burst (TestBurstKeepsAdjacentOnsetsApart), the engine still reads
// valkey's onset as part of it and keeps it apart from cart's incident,
// as without a restart.
func TestBurstSurvivesRestore(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "no restart", true: "restart"}[restart], func(t *testing.T) {
			e := New(burstConfig(), demoGraph(t))
			for i, svc := range []string{"currency", "quote", "email", "image-provider", "cart", "valkey"} {
				at := t0.Add(time.Duration(i) * time.Second)
				if svc == "valkey" && restart {
					e = restarted(t, e, burstConfig(), demoGraph(t))
				}
				e.Ingest(firing(svc, "TargetDown", at), at)
			}
			cart := e.IncidentOf(firing("cart", "TargetDown", t0).Fingerprint)
			assert.NotEqual(t, cart, e.IncidentOf(firing("valkey", "TargetDown", t0).Fingerprint))
		})
	}
}

// TestEvidenceLineSurvivesRestore: restored while the traces are quiet
// (the restarted collector has seen no span yet), an incident's records
// still carry the last evidence line and exemplar shown for its root, as
// they do without a restart once the spans stop.
func TestEvidenceLineSurvivesRestore(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "no restart", true: "restart"}[restart], func(t *testing.T) {
			tr := evidence.New(evidence.Config{})
			cfg := testConfig()
			cfg.Evidence = tr
			e := New(cfg, chainGraph())
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"frontend", "checkout", "payment"}, now, 2000, func(k uint64) bool { return k%2 == 1 })
			pay := e.Ingest(firing("payment", "Errors", now), now)
			e.Ingest(firing("checkout", "Errors", now.Add(time.Second)), now.Add(time.Second))
			shown, ok := e.Incident(pay.IncidentID, now.Add(2*time.Second))
			require.True(t, ok)
			require.NotEmpty(t, shown.Evidence)
			require.NotEmpty(t, shown.ExemplarTraceID)

			later := now.Add(10 * time.Minute) // past the evidence window: no recent spans
			if restart {
				cfg.Evidence = evidence.New(evidence.Config{})
				e = restarted(t, e, cfg, chainGraph())
			}
			e.Ingest(firing("frontend", "Errors", later), later)
			snap, ok := e.Incident(pay.IncidentID, later)
			require.True(t, ok)
			assert.Equal(t, shown.Evidence, snap.Evidence)
			assert.Equal(t, shown.ExemplarTraceID, snap.ExemplarTraceID)
		})
	}
}

// TestSameStateSavesAsSameBytes: alerts and incidents are saved sorted
// (fingerprint, incident id), not in the maps' order.
func TestSameStateSavesAsSameBytes(t *testing.T) {
	cfg := testConfig()
	cfg.GroupWait = 0
	e := New(cfg, demoGraph(t))
	for i, svc := range []string{"payment", "checkout", "frontend", "cart", "email", "currency", "shipping", "ad"} {
		for _, rule := range []string{"A", "B", "C"} {
			e.Ingest(firing(svc, rule+svc, t0), t0.Add(time.Duration(i)*time.Minute))
		}
	}
	e.Advance(t0.Add(10 * time.Minute))
	first, err := e.Marshal()
	require.NoError(t, err)
	for range 5 {
		again, err := e.Marshal()
		require.NoError(t, err)
		require.Equal(t, string(first), string(again))
	}
}
