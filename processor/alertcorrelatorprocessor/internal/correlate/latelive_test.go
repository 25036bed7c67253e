package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLateCallersJoinPastTheWindowWhileTheirDependencyFires, alerts only,
// a 3 min correlation window: payment alerts, web and api (two of its four
// direct callers) join it 20 s later, and nothing joins after them. At
// 3m30s checkout and cart, its two other callers, cross a rule with a
// longer `for:` together: 3m10s after the incident's last join, past the
// window, within two onset windows of payment's onset. While payment's
// alert still fires they are its late symptoms (latecaller.go), across a
// restart too; once it has resolved they stay apart, as they do within
// the window when no sibling crosses with them.
func TestLateCallersJoinPastTheWindowWhileTheirDependencyFires(t *testing.T) {
	for _, tt := range []struct {
		name     string
		callers  []string
		resolved bool
		restart  bool
		together bool
	}{
		{"dependency still firing", []string{"checkout", "cart"}, false, false, true},
		{"restarted before them", []string{"checkout", "cart"}, false, true, true},
		{"dependency resolved", []string{"checkout", "cart"}, true, false, false},
		{"one late caller", []string{"checkout"}, false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.Window, cfg.GroupWait, cfg.OnsetWindow = 3*time.Minute, 10*time.Second, 2*time.Minute
			g := staticGraph(fourPaymentCallers())
			e := New(cfg, g)
			root := e.Ingest(firing("payment", "HighErrorRate", t0), t0)
			early := t0.Add(20 * time.Second)
			e.Ingest(firing("web", "HighErrorRate", early), early)
			e.Ingest(firing("api", "HighErrorRate", early), early)
			require.Equal(t, root.IncidentID, e.IncidentOf(firing("api", "HighErrorRate", early).Fingerprint))
			if tt.resolved {
				// Resolved at 2m, past its resolve hold (1m) by 3m30s.
				at := t0.Add(2 * time.Minute)
				e.Advance(at)
				e.Ingest(resolved("payment", "HighErrorRate", t0), at)
			}
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}
			at := t0.Add(3*time.Minute + 30*time.Second)
			e.Advance(at)
			for _, svc := range tt.callers {
				e.Ingest(firing(svc, "LatencySLOBurn", at), at)
			}
			for _, svc := range tt.callers {
				got := e.IncidentOf(firing(svc, "LatencySLOBurn", at).Fingerprint)
				if tt.together {
					assert.Equal(t, root.IncidentID, got, svc)
				} else {
					assert.NotEqual(t, root.IncidentID, got, svc)
				}
			}
		})
	}
}
