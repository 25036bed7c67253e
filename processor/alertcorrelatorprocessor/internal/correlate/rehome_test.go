package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatewayOverTwo: an engine with a 2 m onset window over a gateway that
// calls a and b, and a clock from t0.
func gatewayOverTwo() (*Engine, func(time.Duration) time.Time) {
	cfg := testConfig()
	cfg.OnsetWindow = 2 * time.Minute
	e := New(cfg, staticGraph(map[string][]string{"gateway": {"a", "b"}}))
	return e, func(d time.Duration) time.Time { return t0.Add(d) }
}

// TestNewerHubAlertGoesToItsNewerCause: without spans, a fails and the
// gateway (calling a and b) alerts 110 s later as its symptom. 40 s on,
// past a's onset window, the gateway opens a second alert, whose only
// relation is the gateway's earlier alert: it joins a's incident. b, the
// gateway's other dependency, then alerts and opens an incident as its
// root: the gateway's newer alert moves there (its onset near b's, nothing
// below it in a's incident explains it), the earlier one stays with a.
// Before, b paged alone and the gateway's second alert stayed with a.
func TestNewerHubAlertGoesToItsNewerCause(t *testing.T) {
	e, at := gatewayOverTwo()
	first := e.Ingest(firing("a", "HighErrorRate", at(0)), at(0))
	older := e.Ingest(firing("gateway", "HighErrorRate", at(110*time.Second)), at(110*time.Second))
	newer := e.Ingest(firing("gateway", "HighLatency", at(150*time.Second)), at(150*time.Second))
	require.Equal(t, first.IncidentID, newer.IncidentID, "the newer alert first joins a's incident")
	b := e.Ingest(firing("b", "HighErrorRate", at(160*time.Second)), at(160*time.Second))
	assert.Equal(t, b.IncidentID, e.IncidentOf(firing("gateway", "HighLatency", t0).Fingerprint))
	assert.Equal(t, first.IncidentID, e.IncidentOf(firing("gateway", "HighErrorRate", t0).Fingerprint))
	assert.Equal(t, first.IncidentID, older.IncidentID)
	assert.Equal(t, uint64(1), e.Stats().Rehomed)
	pages := opened(e, at(5*time.Minute))
	assert.Equal(t, map[string][]string{"a": {"a", "gateway"}, "b": {"b", "gateway"}}, pages)
}

// TestHubAlertExplainedBelowStays: the same, but the gateway's second
// alert comes within a's onset window (40 s after its first), so a's
// alert explains it as much as b's would: it stays in a's incident.
func TestHubAlertExplainedBelowStays(t *testing.T) {
	e, at := gatewayOverTwo()
	first := e.Ingest(firing("a", "HighErrorRate", at(0)), at(0))
	e.Ingest(firing("gateway", "HighErrorRate", at(50*time.Second)), at(50*time.Second))
	e.Ingest(firing("gateway", "HighLatency", at(90*time.Second)), at(90*time.Second))
	e.Ingest(firing("b", "HighErrorRate", at(100*time.Second)), at(100*time.Second))
	assert.Equal(t, first.IncidentID, e.IncidentOf(firing("gateway", "HighLatency", t0).Fingerprint))
	assert.Zero(t, e.Stats().Rehomed)
}
