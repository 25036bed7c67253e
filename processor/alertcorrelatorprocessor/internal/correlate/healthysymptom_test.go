package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// TestHealthySymptomLeaves: payment's own requests fail (errors originate
// there) and it alerts; checkout, its caller, alerts a second later and
// joins payment's incident as its symptom. Where, from then on, checkout
// reads well observed and healthy and its calls to payment succeed, it
// leaves for an incident of its own once healthyHold has passed; where
// its calls to payment fail (Linked), or the spans read healthy only at
// first, it stays.
func TestHealthySymptomLeaves(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name      string
		callsFail func(uint64) bool // checkout's calls to payment, after the join
		failAfter time.Duration     // calls fail only from then on (0: from the join)
		leaves    bool
	}{
		{"healthy throughout", nil, 0, true},
		{"calls to payment failing", odd, 0, false},
		{"healthy at first only", odd, 10 * time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := evidence.New(evidence.Config{})
			cfg := testConfig()
			cfg.Evidence = tr
			e := New(cfg, chainGraph())
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"frontend", "checkout", "payment"}, now, 1000, nil)
			observe(tr, []string{"payment"}, now, 3000, odd)
			pay := e.Ingest(firing("payment", "Errors", now), now)
			co := e.Ingest(firing("checkout", "Errors", now.Add(time.Second)), now.Add(time.Second))
			require.Equal(t, pay.IncidentID, co.IncidentID, "checkout joins as payment's symptom")
			for i := range 40 {
				at := now.Add(time.Duration(i+1) * time.Second)
				var fail func(uint64) bool
				if time.Duration(i+1)*time.Second >= tt.failAfter {
					fail = tt.callsFail
				}
				tr.Observe(alertscenario.ChainTraces([]string{"frontend", "checkout", "payment"}, 2, uint64(5000+2*i), at, fail), at)
				tr.Observe(alertscenario.ChainTraces([]string{"payment"}, 2, uint64(7000+2*i), at, odd), at)
				e.Advance(at)
			}
			coInc := e.IncidentOf(firing("checkout", "Errors", now).Fingerprint)
			assert.Equal(t, tt.leaves, coInc != pay.IncidentID)
			assert.NotEmpty(t, coInc)
		})
	}
}
