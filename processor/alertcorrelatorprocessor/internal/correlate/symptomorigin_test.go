package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSymptomOriginOpensItsOwn: payment fails and alerts, checkout (its
// caller) alerts as its symptom, every alert of one severity. A minute
// and a half later checkout alerts again on another rule. Where the
// traces show checkout's own spans failing with no failing child by then
// (a second fault on the caller, its calls toward payment still failing
// too), the further alert opens an incident of its own; where checkout's
// failures still all come up its calls to payment, it joins payment's
// incident, as a symptom's further alert does.
func TestSymptomOriginOpensItsOwn(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name     string
		ownFault bool
		sameInc  bool
	}{
		{"checkout fails through payment only", false, true},
		{"checkout fails on its own too", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, tr := tracedEngine(chainGraph())
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"frontend", "checkout", "payment"}, now, 1000, odd)
			pay := e.Ingest(firing("payment", "Errors", now), now)
			co := e.Ingest(firing("checkout", "Errors", now.Add(2*time.Second)), now.Add(2*time.Second))
			assert.Equal(t, pay.IncidentID, co.IncidentID, "checkout's first alert is payment's symptom")
			later := now.Add(90 * time.Second)
			for i := 1; i < 90; i += 10 {
				e.Advance(now.Add(time.Duration(i) * time.Second))
			}
			observe(tr, []string{"frontend", "checkout", "payment"}, later, 3000, odd)
			if tt.ownFault {
				observe(tr, []string{"frontend", "checkout"}, later, 5000, odd)
			}
			again := e.Ingest(firing("checkout", "Saturation", later), later)
			assert.Equal(t, tt.sameInc, again.IncidentID == pay.IncidentID, "checkout's further alert in %s, payment's %s", again.IncidentID, pay.IncidentID)
			assert.Equal(t, pay.IncidentID, e.IncidentOf(firing("checkout", "Errors", now).Fingerprint), "checkout's first alert stays")
		})
	}
}
