package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLateCallersJoinTogether, alerts only: payment alerts, web and api
// (two of its four direct callers) on a rule with a short `for:` 20 s
// later, and minutes after payment (past the 2 min onset window) checkout
// and cart, its two other callers, on a rule with a longer `for:`, within
// a second of each other. Both are payment's symptoms: one incident,
// across a restart between them too. A lone late caller, two callers a
// minute apart (beyond the 30 s burst window) or two callers past two
// onset windows stay apart; so do two late callers of a held cause
// (payment alone, no caller showing it near its onset).
func TestLateCallersJoinTogether(t *testing.T) {
	for _, tt := range []struct {
		name     string
		callers  []string
		lag, gap time.Duration
		restart  bool
		together bool
		held     bool
	}{
		{"two late callers together", []string{"checkout", "cart"}, 3 * time.Minute, time.Second, false, true, false},
		{"restarted between them", []string{"checkout", "cart"}, 3 * time.Minute, time.Second, true, true, false},
		{"one late caller", []string{"checkout"}, 3 * time.Minute, 0, false, false, false},
		{"two late callers a minute apart", []string{"checkout", "cart"}, 3 * time.Minute, time.Minute, false, false, false},
		{"two callers past two windows", []string{"checkout", "cart"}, 5 * time.Minute, time.Second, false, false, false},
		{"two late callers of a held cause", []string{"checkout", "cart"}, 3 * time.Minute, time.Second, false, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.OnsetWindow = 10*time.Second, 2*time.Minute
			g := staticGraph(fourPaymentCallers())
			e := New(cfg, g)
			root := e.Ingest(firing("payment", "HighErrorRate", t0), t0)
			if !tt.held {
				early := t0.Add(20 * time.Second)
				e.Ingest(firing("web", "HighErrorRate", early), early)
				e.Ingest(firing("api", "HighErrorRate", early), early)
				require.Equal(t, root.IncidentID, e.IncidentOf(firing("api", "HighErrorRate", early).Fingerprint))
			}
			var ids []string
			for i, svc := range tt.callers {
				at := t0.Add(tt.lag + time.Duration(i)*tt.gap)
				if i > 0 && tt.restart {
					e = restarted(t, e, cfg, g)
				}
				e.Advance(at)
				ids = append(ids, e.Ingest(firing(svc, "LatencySLOBurn", at), at).IncidentID)
			}
			require.Len(t, ids, len(tt.callers))
			for i, svc := range tt.callers {
				got := e.IncidentOf(firing(svc, "LatencySLOBurn", t0).Fingerprint)
				if tt.together {
					assert.Equal(t, root.IncidentID, got, svc)
				} else {
					assert.NotEqual(t, root.IncidentID, got, svc)
					if i > 0 {
						assert.NotEqual(t, ids[0], got, "%s apart from %s", svc, tt.callers[0])
					}
				}
			}
		})
	}
}
