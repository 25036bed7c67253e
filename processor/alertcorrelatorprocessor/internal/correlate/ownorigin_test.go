package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// TestOwnOriginRanksFirst: checkout calls payment, which fails half of
// checkout's calls; checkout shows as many spans failing with no failing
// child as its calls to payment fail (what a caller shows when its
// failing client spans reach the tracker apart from its server spans), at
// a higher share of its spans (25%) than payment's (17%), whose healthy
// calls from shipping dilute its share. Payment's origins are its own (its calls
// do not fail), checkout's its failing calls could account for: the page
// names payment. Alerts only, the same two alerts name payment too (the
// deeper alerting dependency). (Checkout failing more often than its calls
// do is a cause of its own and pages apart: TestOwnCauseStaysApart.)
func TestOwnOriginRanksFirst(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name   string
		traces bool
		root   string
	}{
		{"checkout's origins no more than its failing calls", true, "payment"},
		{"alerts only", false, "payment"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := topology.New(topology.Config{})
			g.AddStatic(map[string][]string{"frontend": {"checkout"}, "checkout": {"payment"}, "shipping": {"payment"}})
			e, tr := tracedEngine(g)
			if !tt.traces {
				e = New(testConfig(), g)
			}
			now := t0.Add(10 * time.Minute)
			if tt.traces {
				observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
				observe(tr, []string{"shipping", "payment"}, now.Add(-time.Minute), 500, nil)
				observe(tr, []string{"frontend", "checkout"}, now, 1000, odd)
				observe(tr, []string{"checkout", "payment"}, now, 2000, odd)
				for i := range 2 {
					observe(tr, []string{"shipping", "payment"}, now, 3000+uint64(i)*200, nil)
				}
			}
			pay := e.Ingest(firing("payment", "Errors", now), now)
			co := e.Ingest(firing("checkout", "Errors", now.Add(time.Second)), now.Add(time.Second))
			require.Equal(t, pay.IncidentID, co.IncidentID)
			evs := e.Advance(now.Add(31 * time.Second)) // group_wait 30s; the spans still speak
			require.NotEmpty(t, evs)
			assert.Equal(t, tt.root, evs[0].Incident.RootService)
		})
	}
}
