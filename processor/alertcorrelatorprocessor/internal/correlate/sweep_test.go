package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSweepForgetsIdleAlertsOnceTheirFlapHistoryIsOld(t *testing.T) {
	cfg := testConfig() // flap window 10m, resolve hold 1m
	e := New(cfg, demoGraph(t))
	e.Ingest(firing("payment", "A", t0), t0)
	e.Ingest(resolved("payment", "A", t0), t0.Add(time.Second))
	e.Advance(t0.Add(2 * time.Minute)) // resolution applied, incident closed
	n, open := e.Sizes()
	require.Zero(t, open)
	assert.Equal(t, 1, n, "kept for its flap history")
	e.Advance(t0.Add(10 * time.Minute))
	n, _ = e.Sizes()
	assert.Equal(t, 1, n, "history not yet older than the flap window")
	e.Advance(t0.Add(10*time.Minute + 2*time.Second))
	n, _ = e.Sizes()
	assert.Zero(t, n)
}

// An alert the last sweep listed as idle that fires again is no longer
// evictable.
func TestFullMapKeepsAListedAlertThatFiresAgain(t *testing.T) {
	cfg := testConfig()
	cfg.MaxAlerts = 2
	e := New(cfg, demoGraph(t))
	a := firing("payment", "A", t0)
	e.Ingest(a, t0)
	e.Ingest(resolved("payment", "A", t0), t0.Add(time.Second))
	e.Advance(t0.Add(2 * time.Minute)) // closed; the sweep lists A as idle
	require.Equal(t, "", e.IncidentOf(a.Fingerprint))

	at := t0.Add(2*time.Minute + time.Second)
	require.Equal(t, Correlated, e.Ingest(firing("payment", "A", at), at).Outcome)
	require.Equal(t, Correlated, e.Ingest(firing("ad", "B", at), at).Outcome)
	assert.Equal(t, Overflow, e.Ingest(firing("cart", "C", at), at).Outcome, "nothing idle")
	assert.NotEmpty(t, e.IncidentOf(a.Fingerprint), "A fires and is still tracked")
}
