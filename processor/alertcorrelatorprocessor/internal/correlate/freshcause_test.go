package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestAlertWaitsForItsFreshCause: payment has failed for a minute and
// alerted; the gateway's calls to shipping started failing moments ago,
// errors originating there, and shipping has not alerted. The gateway's
// new alert is linked to both roots by its failing calls, but opened with
// the fresh failures: it waits for shipping instead of joining payment's
// incident, and shipping's alert, seconds later, takes it. Where the
// gateway's calls to shipping failed as long as those to payment, it
// joins payment's incident as before.
func TestAlertWaitsForItsFreshCause(t *testing.T) {
	for _, tt := range []struct {
		name          string
		shippingSince time.Duration
		withShipping  bool
	}{
		{"shipping fails freshly", 12 * time.Second, true},
		{"shipping fails as long as payment", time.Minute, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := topology.New(topology.Config{})
			g.AddStatic(map[string][]string{"gateway": {"payment", "shipping"}})
			tr := evidence.New(evidence.Config{})
			cfg := testConfig()
			cfg.Evidence = tr
			e := New(cfg, g)
			now := t0.Add(10 * time.Minute)
			odd := func(k uint64) bool { return k%2 == 1 }
			observe(tr, []string{"gateway", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"gateway", "shipping"}, now.Add(-time.Minute), 1000, nil)
			observe(tr, []string{"gateway", "payment"}, now, 2000, odd)
			for i := range 60 {
				at := now.Add(time.Duration(i-60) * time.Second)
				fail := func(k uint64) bool { return now.Sub(at) <= tt.shippingSince && odd(k) }
				tr.Observe(alertscenario.ChainTraces([]string{"gateway", "shipping"}, 2, 3000+uint64(2*i), at, fail), at)
			}

			pay := e.Ingest(firing("payment", "Errors", now.Add(-50*time.Second)), now)
			gw := e.Ingest(firing("gateway", "Errors", now), now.Add(time.Second))
			ship := e.Ingest(firing("shipping", "Errors", now.Add(5*time.Second)), now.Add(5*time.Second))
			require.NotEqual(t, pay.IncidentID, ship.IncidentID)
			e.Advance(now.Add(7 * time.Second))

			incOf := func(svc string) string { return e.IncidentOf(firing(svc, "Errors", now).Fingerprint) }
			if tt.withShipping {
				assert.NotEqual(t, pay.IncidentID, gw.IncidentID, "the gateway waits for shipping")
				assert.Equal(t, incOf("shipping"), incOf("gateway"))
			} else {
				assert.Equal(t, pay.IncidentID, gw.IncidentID)
			}
			assert.Equal(t, pay.IncidentID, incOf("payment"))
		})
	}
}
