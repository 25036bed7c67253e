package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLateRootTakesOverItsCallers, alerts only: checkout and cart, two of
// payment's four direct callers, alert on one rule within a second of
// each other; payment's own rule, with a longer `for:`, fires minutes
// later (past the 2 min onset window). Payment is their root: one
// incident, payment ranked first, across a restart before it too. One
// caller, two callers a minute apart (beyond the 30 s burst window), or a
// root past two onset windows stay apart.
func TestLateRootTakesOverItsCallers(t *testing.T) {
	for _, tt := range []struct {
		name     string
		callers  []string
		gap, lag time.Duration
		restart  bool
		together bool
	}{
		{"two callers together, the root late", []string{"checkout", "cart"}, time.Second, 3 * time.Minute, false, true},
		{"restarted before the root", []string{"checkout", "cart"}, time.Second, 3 * time.Minute, true, true},
		{"one caller", []string{"checkout"}, 0, 3 * time.Minute, false, false},
		{"two callers a minute apart", []string{"checkout", "cart"}, time.Minute, 3*time.Minute + 30*time.Second, false, false},
		{"the root past two windows", []string{"checkout", "cart"}, time.Second, 5 * time.Minute, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.OnsetWindow = 10*time.Second, 2*time.Minute
			g := staticGraph(fourPaymentCallers())
			e := New(cfg, g)
			var ids []string
			for i, svc := range tt.callers {
				at := t0.Add(time.Duration(i) * tt.gap)
				e.Advance(at)
				ids = append(ids, e.Ingest(firing(svc, "HighErrorRate", at), at).IncidentID)
			}
			at := t0.Add(tt.lag)
			e.Advance(at.Add(-time.Second))
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}
			root := e.Ingest(firing("payment", "ServiceDown", at), at)
			e.Advance(at.Add(time.Minute))
			for i, svc := range tt.callers {
				got := e.IncidentOf(firing(svc, "HighErrorRate", t0).Fingerprint)
				if tt.together {
					assert.Equal(t, root.IncidentID, got, svc)
				} else {
					assert.NotEqual(t, root.IncidentID, got, svc)
					assert.Equal(t, ids[i], got, svc)
				}
			}
			if tt.together {
				inc, ok := e.Incident(root.IncidentID, at.Add(time.Minute))
				require.True(t, ok)
				assert.Equal(t, "payment", inc.RootService)
			}
		})
	}
}
