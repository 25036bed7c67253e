package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/evidence"
)

// TestNewerAlertFollowsTheFailureItsCallsShow: the gateway alerted for
// payment's failure minutes ago and sits in payment's incident. Now
// shipping fails and alerts, and the gateway trips another rule: its
// calls fail toward shipping, so the new alert joins shipping's
// incident, not the one its service's earlier alert is in. Where the
// earlier alert began within the onset window, the new one joins its
// service's incident as before.
func TestNewerAlertFollowsTheFailureItsCallsShow(t *testing.T) {
	for _, tt := range []struct {
		name          string
		earlier       time.Duration
		wantWithNewer bool
	}{
		{"earlier alert minutes before", -150 * time.Second, true},
		{"earlier alert within the onset window", -30 * time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(10 * time.Minute)
			odd := func(k uint64) bool { return k%2 == 1 }
			tr := evidence.New(evidence.Config{})
			observe(tr, []string{"gateway", "payment"}, now, 0, odd)
			observe(tr, []string{"gateway", "shipping"}, now, 1000, odd)
			cfg := testConfig()
			cfg.Evidence = tr
			cfg.OnsetWindow = 2 * time.Minute
			e := New(cfg, gatewayGraph())

			pay := e.Ingest(firing("payment", "Errors", now.Add(tt.earlier-10*time.Second)), now)
			gw := e.Ingest(firing("gateway", "Errors", now.Add(tt.earlier)), now)
			require.Equal(t, pay.IncidentID, gw.IncidentID, "the gateway's first alert is payment's symptom")
			ship := e.Ingest(firing("shipping", "Errors", now.Add(-20*time.Second)), now.Add(time.Second))
			require.NotEqual(t, pay.IncidentID, ship.IncidentID)
			later := e.Ingest(firing("gateway", "Latency", now), now.Add(2*time.Second))
			if tt.wantWithNewer {
				assert.Equal(t, ship.IncidentID, later.IncidentID, "the newer alert joins the failure its calls show")
			} else {
				assert.Equal(t, pay.IncidentID, later.IncidentID, "the newer alert stays with its service's incident")
			}
		})
	}
}
