package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSecondAlertJustBeforeItsOriginGathered: the gateway calls payment
// and shipping. Shipping fails on its own and alerts; the gateway's first
// alert joins shipping's incident as its symptom. Then payment fails on
// its own too and the gateway's calls fail toward it; the gateway trips a
// second rule, and payment's own rule, the slower, fires after it. The
// gateway's second alert joined shipping's incident (its service alerts
// there); payment's origin takes it when it opened within the burst
// window before payment's alert (pacedepisode.go), not when it opened
// earlier, and never the gateway's first alert.
func TestSecondAlertJustBeforeItsOriginGathered(t *testing.T) {
	for _, tt := range []struct {
		name     string
		before   time.Duration // the second alert's onset before payment's
		gathered bool
	}{
		{"after payment's alert", -5 * time.Second, true},
		{"at payment's alert", 0, true},
		{"10s before payment's alert", 10 * time.Second, true},
		{"past the burst window before it", 45 * time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Burst = BurstConfig{Window: 30 * time.Second, MinGroups: 4}
			e, now := twoOriginsEngine(cfg)
			ship, first := now.Add(-50*time.Second), now.Add(-45*time.Second)
			e.Ingest(firing("shipping", "Errors", ship), ship)
			e.Ingest(firing("gateway", "Latency", first), first)
			pay := now.Add(10 * time.Second)
			second := pay.Add(-tt.before)
			if second.Before(pay) {
				e.Ingest(firing("gateway", "Errors", second), second)
			}
			e.Ingest(firing("payment", "Errors", pay), pay)
			if !second.Before(pay) {
				e.Ingest(firing("gateway", "Errors", second), second)
			}
			for i := 1; i <= 3; i++ {
				e.Advance(pay.Add(time.Duration(i) * time.Second))
			}
			payInc := e.IncidentOf(firing("payment", "Errors", pay).Fingerprint)
			shipInc := e.IncidentOf(firing("shipping", "Errors", ship).Fingerprint)
			assert.NotEqual(t, payInc, shipInc)
			assert.Equal(t, tt.gathered, payInc == e.IncidentOf(firing("gateway", "Errors", second).Fingerprint), "the second alert goes with payment")
			assert.Equal(t, shipInc, e.IncidentOf(firing("gateway", "Latency", first).Fingerprint), "the first alert stays")
		})
	}
}
