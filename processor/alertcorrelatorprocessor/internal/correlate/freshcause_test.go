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
			now := t0.Add(10 * time.Minute)
			e := New(gatewayTraces(now, tt.shippingSince), gatewayGraph())

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

// TestFreshCauseWaitSurvivesRestore: restored from the state saved while
// the gateway's alert waits for shipping, the engine keeps it apart from
// payment's incident (whose alert, still read as an origin, would gather
// it) until shipping's alert takes it, as without a restart. The trace
// evidence is kept across the restart: this tests the engine's state, and
// a restarted collector's evidence reads the same once it has seen a
// window of spans again.
func TestFreshCauseWaitSurvivesRestore(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "no restart", true: "restart"}[restart], func(t *testing.T) {
			now := t0.Add(10 * time.Minute)
			cfg := gatewayTraces(now, 12*time.Second)
			e := New(cfg, gatewayGraph())
			pay := e.Ingest(firing("payment", "Errors", now.Add(-50*time.Second)), now)
			gw := e.Ingest(firing("gateway", "Errors", now), now.Add(time.Second))
			require.NotEqual(t, pay.IncidentID, gw.IncidentID, "the gateway waits for shipping")
			if restart {
				e = restarted(t, e, cfg, gatewayGraph())
			}
			e.Advance(now.Add(3 * time.Second))
			incOf := func(svc string) string { return e.IncidentOf(firing(svc, "Errors", now).Fingerprint) }
			assert.Equal(t, gw.IncidentID, incOf("gateway"), "still waiting")
			ship := e.Ingest(firing("shipping", "Errors", now.Add(5*time.Second)), now.Add(5*time.Second))
			e.Advance(now.Add(7 * time.Second))
			assert.Equal(t, ship.IncidentID, incOf("shipping"))
			assert.Equal(t, incOf("shipping"), incOf("gateway"))
			assert.Equal(t, pay.IncidentID, incOf("payment"))
		})
	}
}

// gatewayGraph is gateway -> payment, gateway -> shipping.
func gatewayGraph() *topology.Graph {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"gateway": {"payment", "shipping"}})
	return g
}

// gatewayTraces returns a test config whose evidence holds a minute of
// the gateway's calls up to now: those to payment failing all along,
// those to shipping failing for the last shippingSince.
func gatewayTraces(now time.Time, shippingSince time.Duration) Config {
	tr := evidence.New(evidence.Config{})
	odd := func(k uint64) bool { return k%2 == 1 }
	observe(tr, []string{"gateway", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"gateway", "shipping"}, now.Add(-time.Minute), 1000, nil)
	observe(tr, []string{"gateway", "payment"}, now, 2000, odd)
	for i := range 60 {
		at := now.Add(time.Duration(i-60) * time.Second)
		fail := func(k uint64) bool { return now.Sub(at) <= shippingSince && odd(k) }
		tr.Observe(alertscenario.ChainTraces([]string{"gateway", "shipping"}, 2, 3000+uint64(2*i), at, fail), at)
	}
	cfg := testConfig()
	cfg.Evidence = tr
	return cfg
}
