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

// TestDetachedCauseTakesItsSymptoms: payment alerts, checkout joins as its
// symptom, then frontend as checkout's (frontend calls checkout, which
// calls payment). The traces then show errors originating in checkout
// beyond its failing calls: checkout leaves for an incident of its own
// (recheck.go), and frontend, whose failing calls lead to checkout and
// which the incident explained only through it, leaves with it, across a
// restart before the traces speak too. Where frontend also calls payment
// directly, payment explains it as near and it stays. A second alert on
// frontend follows with the first.
func TestDetachedCauseTakesItsSymptoms(t *testing.T) {
	for _, tt := range []struct {
		name    string
		deps    map[string][]string
		restart bool
		second  bool
		follows bool
	}{
		{"explained only through checkout", map[string][]string{"frontend": {"checkout"}, "checkout": {"payment"}}, false, false, true},
		{"restarted before the traces speak", map[string][]string{"frontend": {"checkout"}, "checkout": {"payment"}}, true, false, true},
		{"a second alert on frontend", map[string][]string{"frontend": {"checkout"}, "checkout": {"payment"}}, false, true, true},
		{"payment as near", map[string][]string{"frontend": {"checkout", "payment"}, "checkout": {"payment"}}, false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := topology.New(topology.Config{})
			g.AddStatic(tt.deps)
			tr := evidence.New(evidence.Config{})
			cfg := testConfig()
			cfg.Evidence = tr
			e := New(cfg, g)
			now := t0.Add(10 * time.Minute)
			odd := func(k uint64) bool { return k%2 == 1 }
			observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"checkout", "payment"}, now, 2000, odd)
			pay := e.Ingest(firing("payment", "Errors", now), now)
			co := e.Ingest(firing("checkout", "Errors", now.Add(time.Second)), now.Add(time.Second))
			fe := e.Ingest(firing("frontend", "Errors", now.Add(2*time.Second)), now.Add(2*time.Second))
			require.Equal(t, pay.IncidentID, co.IncidentID)
			require.Equal(t, pay.IncidentID, fe.IncidentID)
			if tt.second {
				at := now.Add(2500 * time.Millisecond)
				require.Equal(t, pay.IncidentID, e.Ingest(firing("frontend", "Latency", at), at).IncidentID)
			}
			e.Advance(now.Add(3 * time.Second))
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}

			// The next 30 s: checkout's own requests fail, every one of
			// them, and with them frontend's calls to it.
			for i := range 30 {
				at := now.Add(time.Duration(i+1) * time.Second)
				tr.Observe(alertscenario.ChainTraces([]string{"frontend", "checkout"}, 2, uint64(5000+2*i), at, func(uint64) bool { return true }), at)
				tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, uint64(7000+2*i), at, odd), at)
			}
			e.Advance(now.Add(30 * time.Second))
			coInc := e.IncidentOf(firing("checkout", "Errors", now).Fingerprint)
			feInc := e.IncidentOf(firing("frontend", "Errors", now).Fingerprint)
			require.NotEqual(t, pay.IncidentID, coInc, "checkout detached")
			if tt.follows {
				assert.Equal(t, coInc, feInc, "frontend with checkout")
				if tt.second {
					assert.Equal(t, coInc, e.IncidentOf(firing("frontend", "Latency", now).Fingerprint), "frontend's second alert too")
				}
			} else {
				assert.Equal(t, pay.IncidentID, feInc, "frontend stays with payment")
			}
		})
	}
}
