package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fourPaymentCallers: checkout, cart, web and api call payment; a1-a3 are
// apart from it and from each other.
func fourPaymentCallers() map[string][]string {
	return map[string][]string{
		"checkout": {"payment"}, "cart": {"payment"}, "web": {"payment"}, "api": {"payment"},
		"a1": {"x1"}, "a2": {"x2"}, "a3": {"x3"},
	}
}

// checkoutWaitsInBurst: payment alerts (held), then a1-a3 (a burst),
// then checkout, refused as payment's symptom, opens an incident that
// waits for it from the burst; it returns the engine, payment's and
// checkout's results and checkout's onset.
func checkoutWaitsInBurst(cfg Config) (e *Engine, root, sym Result, at time.Time) {
	e = New(cfg, staticGraph(fourPaymentCallers()))
	now := t0.Add(10 * time.Minute)
	root = e.Ingest(firing("payment", "HighErrorRate", now), now)
	at, _ = burstOfThree(e, now)
	at = at.Add(2 * time.Second)
	sym = e.Ingest(firing("checkout", "HighErrorRate", at), at)
	return e, root, sym, at
}

// TestBurstFaultsCallersJoinTheirHeldRoot: without spans, payment alerts
// (held: none of its four callers shows it yet), then three unconnected
// services (a1-a3: a burst), then checkout and cart, two of payment's
// callers, in that burst. Each is refused as the held payment's symptom
// and opens an incident that waits for it; two callers alerting make
// payment explain them, and two callers of one alerting service are a
// fault's connected group, no burst's coincidence: payment takes both
// over (one page of three) and a1-a3 stay apart. Before, the waits were
// not recorded in a burst and checkout and cart paged apart. With one
// caller alone the burst keeps it apart (TestBurstKeepsAFaultsDirectCaller).
func TestBurstFaultsCallersJoinTheirHeldRoot(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "no restart", true: "restart"}[restart], func(t *testing.T) {
			cfg := burstConfig()
			e, root, _, at := checkoutWaitsInBurst(cfg)
			if restart {
				e = restarted(t, e, cfg, staticGraph(fourPaymentCallers()))
			}
			at = at.Add(2 * time.Second)
			e.Ingest(firing("cart", "HighErrorRate", at), at)
			pages := opened(e, at.Add(time.Minute))
			require.Len(t, pages, 4, "%v", pages)
			assert.Equal(t, []string{"cart", "checkout", "payment"}, pages["payment"])
			assert.Equal(t, root.IncidentID, e.IncidentOf(firing("cart", "HighErrorRate", at).Fingerprint))
		})
	}
}

// TestBurstWaitSurvivesRestore: restored while checkout's incident, opened
// in a burst, waits for payment's held one, the engine still knows the
// wait began in a burst (burstwait.go), as without a restart.
func TestBurstWaitSurvivesRestore(t *testing.T) {
	cfg := burstConfig()
	e, root, sym, _ := checkoutWaitsInBurst(cfg)
	r := restarted(t, e, cfg, staticGraph(fourPaymentCallers()))
	inc := r.incidents[sym.IncidentID]
	require.NotNil(t, inc)
	assert.Equal(t, root.IncidentID, inc.waitsFor)
	assert.True(t, inc.waitsInBurst())
}
