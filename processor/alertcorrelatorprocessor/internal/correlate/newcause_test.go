package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestOriginWaitsForANewAlert: payment fails on its own and alerts; its
// caller checkout alerts a second later, when errors of its own outnumber
// its failing calls to payment, and opens an incident of its own. A
// second after that its calls to payment fail more than it fails on its
// own: over the window it reads as a caller of payment again. payment,
// an origin, does not gather checkout's alert while it is younger than
// one evidence bucket (the counts of its onset still move); past that
// bucket, read as a caller still, it is gathered.
func TestOriginWaitsForANewAlert(t *testing.T) {
	e, tr := tracedEngine(chainGraph())
	now := t0.Add(10 * time.Minute)
	always := func(uint64) bool { return true }
	observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"checkout", "payment"}, now, 1000, func(k uint64) bool { return k%2 == 1 })
	pay := e.Ingest(firing("payment", "Errors", now), now)

	at := now.Add(time.Second)
	tr.Observe(alertscenario.ChainTraces([]string{"frontend", "checkout"}, 80, 5000, at, always), at)
	co := e.Ingest(firing("checkout", "Errors", at), at)
	require.NotEqual(t, pay.IncidentID, co.IncidentID, "checkout's errors read its own at its onset")

	at = now.Add(2 * time.Second)
	tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 60, 9000, at, always), at)
	incOf := func() string { return e.IncidentOf(firing("checkout", "Errors", now).Fingerprint) }
	e.Advance(now.Add(3 * time.Second))
	assert.Equal(t, co.IncidentID, incOf(), "gathered two seconds after its onset")
	e.Advance(now.Add(12 * time.Second))
	assert.Equal(t, pay.IncidentID, incOf(), "not gathered past one bucket")
}
