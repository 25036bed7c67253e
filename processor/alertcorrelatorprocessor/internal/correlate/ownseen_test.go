package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// TestOlderOriginNotTakenWhole: checkout fails on its own and alerts
// (the traces read it a cause of its own while its alert waits as a
// possible origin), frontend's alert joins it. A minute later payment,
// below checkout, fails on every call and alerts: checkout's failing
// calls now outnumber the errors originating in it, so at payment's
// gathering checkout reads as no cause of its own, while errors still
// originate there. Payment's incident does not take checkout's whole
// (without the rule the two merge into checkout's, the older page).
// Where checkout feeds payment through a queue (a messaging edge), a
// consumer reads as an origin whether at fault or starved, and the two
// merge as before. The reading survives a restart (own_seen). A reading
// that did not hold for a bucket (checkout read once) keeps nothing
// apart (fifty-fifth pass).
func TestOlderOriginNotTakenWhole(t *testing.T) {
	for _, tt := range []struct {
		name    string
		kind    string
		restart bool
		once    bool
		apart   bool
	}{
		{"payment called", topology.KindRPC, false, false, true},
		{"payment called, restarted", topology.KindRPC, true, false, true},
		{"payment a consumer", topology.KindMessaging, false, false, false},
		{"payment called, checkout read once", topology.KindRPC, false, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := topology.New(topology.Config{})
			g.AddStatic(map[string][]string{"frontend": {"checkout"}})
			_, err := g.Observe("checkout", "payment", tt.kind, t0)
			assert.NoError(t, err)
			coInc, payInc := olderOriginRun(t, g, tt.restart, tt.once)
			assert.Equal(t, tt.apart, payInc != coInc, "checkout %s, payment %s", coInc, payInc)
		})
	}
}

// olderOriginRun replays the test's story on g (restarting the engine
// from its saved state after checkout's alert was read, if asked) and
// returns checkout's and payment's incidents at the end. Checkout's
// alert is read a cause of its own at two Advances a bucket apart (the
// reading held), or at one only (once).
func olderOriginRun(t *testing.T, g *topology.Graph, restart, once bool) (coInc, payInc string) {
	odd := func(k uint64) bool { return k%2 == 1 }
	always := func(uint64) bool { return true }
	e, tr := tracedEngine(g)
	now := t0.Add(10 * time.Minute)
	first := now.Add(-time.Minute)
	observe(tr, []string{"frontend", "checkout", "payment"}, first.Add(-time.Minute), 0, nil)
	observe(tr, []string{"frontend", "checkout"}, first, 1000, odd)
	co := e.Ingest(firing("checkout", "Errors", first), first)
	e.Ingest(firing("frontend", "Errors", first.Add(2*time.Second)), first.Add(2*time.Second))
	e.Advance(first.Add(3 * time.Second))
	if !once {
		e.Advance(first.Add(13 * time.Second))
	}
	if restart {
		b, err := e.Marshal()
		require.NoError(t, err)
		cfg := testConfig()
		cfg.Evidence = tr
		e = New(cfg, g)
		require.NoError(t, e.Unmarshal(b))
	}
	// Payment starts failing: checkout's own errors still outnumber its
	// failing calls when payment alerts.
	observe(tr, []string{"frontend", "checkout"}, now, 2000, always)
	observe(tr, []string{"checkout", "payment"}, now, 3000, odd)
	e.Ingest(firing("payment", "Errors", now), now)
	e.Advance(now.Add(time.Second))
	// Then every call to payment fails, and checkout's calls account for
	// its errors.
	later := now.Add(50 * time.Second)
	observe(tr, []string{"frontend", "checkout"}, later, 4000, odd)
	observe(tr, []string{"frontend", "checkout", "payment"}, later, 5000, always)
	e.Advance(later.Add(time.Second))
	coInc = e.IncidentOf(firing("checkout", "Errors", first).Fingerprint)
	assert.Equal(t, co.IncidentID, coInc, "checkout's incident survives")
	assert.Equal(t, coInc, e.IncidentOf(firing("frontend", "Errors", first).Fingerprint))
	return coInc, e.IncidentOf(firing("payment", "Errors", now).Fingerprint)
}
