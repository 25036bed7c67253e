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

// TestQuietJoinMovesOnceSpansShowWhereItFails: two concurrent faults,
// payment and inventory, both origins of their errors (their other
// callers' calls fail); checkout calls both and alerts third, while its
// spans still read quiet (its calls' failures not yet in): the graph puts
// it with inventory, the incident that gained a member last. When its
// calls to payment start failing in the spans 20 s later, and those to
// inventory do not, it moves to payment's incident. When its calls to
// inventory fail instead, or its spans stay healthy, it stays.
func TestQuietJoinMovesOnceSpansShowWhereItFails(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{
		"checkout": {"payment", "inventory"}, "web": {"payment"}, "shop": {"inventory"},
	})
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name                string
		toPayment, toInvent func(uint64) bool // checkout's calls from 20 s on
		withPayment         bool
	}{
		{"calls to payment fail", odd, nil, true},
		{"calls to inventory fail", nil, odd, false},
		{"spans stay quiet", nil, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.GroupWait, cfg.CauseWait = 10*time.Second, time.Minute
			now := t0.Add(10 * time.Minute)
			tr := evidence.New(evidence.Config{})
			for i, c := range [][]string{{"checkout", "payment"}, {"checkout", "inventory"}, {"web", "payment"}, {"shop", "inventory"}} {
				observe(tr, c, now.Add(-time.Minute), uint64(1000*i), nil)
				var fail func(uint64) bool
				if i >= 2 {
					fail = odd
				}
				observe(tr, c, now, uint64(1000*i+500), fail)
			}
			cfg.Evidence = tr
			e := New(cfg, g)
			pay := e.Ingest(firing("payment", "HighErrorRate", now), now)
			inv := e.Ingest(firing("inventory", "HighErrorRate", now.Add(time.Second)), now.Add(time.Second))
			require.NotEqual(t, pay.IncidentID, inv.IncidentID)
			at := now.Add(2 * time.Second)
			require.True(t, e.quiet("checkout"), "checkout reads quiet at its onset")
			co := e.Ingest(firing("checkout", "HighErrorRate", at), at)
			require.Equal(t, inv.IncidentID, co.IncidentID, "placed by the graph alone")
			for s := 1; s <= 90; s++ {
				t := at.Add(time.Duration(s) * time.Second)
				var toPay, toInv func(uint64) bool
				if s >= 20 {
					toPay, toInv = tt.toPayment, tt.toInvent
				}
				tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, 5000+uint64(2*s), t, toPay), t)
				tr.Observe(alertscenario.ChainTraces([]string{"checkout", "inventory"}, 2, 6000+uint64(2*s), t, toInv), t)
				tr.Observe(alertscenario.ChainTraces([]string{"web", "payment"}, 2, 7000+uint64(2*s), t, odd), t)
				tr.Observe(alertscenario.ChainTraces([]string{"shop", "inventory"}, 2, 8000+uint64(2*s), t, odd), t)
				e.Advance(t)
			}
			fp := firing("checkout", "HighErrorRate", at).Fingerprint
			assert.Equal(t, tt.withPayment, e.IncidentOf(fp) == e.IncidentOf(firing("payment", "HighErrorRate", now).Fingerprint), "checkout with payment")
			assert.NotEqual(t, e.IncidentOf(firing("payment", "HighErrorRate", now).Fingerprint),
				e.IncidentOf(firing("inventory", "HighErrorRate", now).Fingerprint), "the two faults stay apart")
		})
	}
}
