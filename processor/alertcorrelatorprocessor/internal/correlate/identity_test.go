package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/topology"
)

// TestFingerprintReuseIsAnotherAlert: a fingerprint sent again with other
// labels does not take the first alert's fields; it is tracked as an alert
// of its own, and counted.
func TestFingerprintReuseIsAnotherAlert(t *testing.T) {
	e := New(Config{GroupWait: 0}, topology.New(topology.Config{}))
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	first := Alert{Fingerprint: "f1", RuleName: "Down", Service: "payment", Severity: "critical", State: alertconv.StateFiring,
		Labels: map[string]string{"alertname": "Down", "service": "payment"}}
	second := Alert{Fingerprint: "f1", RuleName: "Slow", Service: "cart", Severity: "warning", State: alertconv.StateFiring,
		Labels: map[string]string{"alertname": "Slow", "service": "cart"}}
	r1 := e.Ingest(first, now)
	r2 := e.Ingest(second, now.Add(time.Second))
	assert.Equal(t, Correlated, r2.Outcome)
	assert.NotEqual(t, r1.IncidentID, r2.IncidentID, "cart's alert is not payment's")
	alerts, _ := e.Sizes()
	assert.Equal(t, 2, alerts)
	assert.Equal(t, uint64(1), e.Stats().FingerprintReuse)

	inc, ok := e.Incident(r1.IncidentID, now)
	require.True(t, ok)
	assert.Equal(t, "payment", inc.RootService)
	assert.Equal(t, "Down", inc.RootAlert, "the first alert keeps its fields")

	// A repeat of the second is a duplicate of it, not a new reuse.
	assert.Equal(t, Duplicate, e.Ingest(second, now.Add(2*time.Second)).Outcome)
	assert.Equal(t, uint64(1), e.Stats().FingerprintReuse)
}
