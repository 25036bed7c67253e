package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/evidence"
)

// TestOriginGathersACallerThatAlertedLate: a caller's rule crossed 3m30s
// before payment's (a rule-paced root, past the onset window and past
// the correlation window of the caller's lone incident). Once the spans
// show errors originating in payment and the caller's failing calls
// leading to it, checkout's alert, still firing, joins payment's
// incident. It stays where it was when it was resolved before payment
// alerted, when it opened past two onset windows before payment
// (TestOriginLeavesOlderAlerts too), when checkout alerted again near
// payment's onset (that alert moves, the older one stays), and when the
// caller is frontend, two hops up.
func TestOriginGathersACallerThatAlertedLate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		svc      string
		lead     time.Duration
		resolved bool
		again    bool
		gathered bool
	}{
		{"checkout firing, 3m30s before", "checkout", 210 * time.Second, false, false, true},
		{"resolved before the root", "checkout", 210 * time.Second, true, false, false},
		{"firing, 4m30s before", "checkout", 270 * time.Second, false, false, false},
		{"checkout alerting again near the root", "checkout", 210 * time.Second, false, true, false},
		{"frontend, two hops up", "frontend", 210 * time.Second, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := evidence.New(evidence.Config{})
			cfg := testConfig()
			cfg.OnsetWindow = 2 * time.Minute
			cfg.Window = 3 * time.Minute
			cfg.Evidence = tr
			e := New(cfg, chainGraph())
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"frontend", "checkout", "payment"}, now, 2000, func(k uint64) bool { return k%2 == 1 })
			old := e.Ingest(firing(tc.svc, "Errors", now.Add(-tc.lead)), now.Add(-tc.lead))
			if tc.resolved {
				e.Ingest(resolved(tc.svc, "Errors", now.Add(-2*time.Minute)), now.Add(-2*time.Minute))
				e.Advance(now.Add(-30 * time.Second))
			}
			if tc.again {
				e.Ingest(firing(tc.svc, "Saturation", now.Add(-20*time.Second)), now.Add(-20*time.Second))
			}
			pay := e.Ingest(firing("payment", "Errors", now), now)
			require.NotEqual(t, old.IncidentID, pay.IncidentID)
			e.Advance(now.Add(time.Second))
			got := e.IncidentOf(firing(tc.svc, "Errors", now).Fingerprint)
			assert.Equal(t, tc.gathered, got == pay.IncidentID, "%s in %q, payment in %q", tc.svc, got, pay.IncidentID)
			if tc.again {
				assert.Equal(t, pay.IncidentID, e.IncidentOf(firing(tc.svc, "Saturation", now).Fingerprint))
			}
		})
	}
}

// TestOriginTakesOnlyLateCallersFromAPastIncident: checkout's lone alert
// opened 3m30s before payment's; frontend joined its incident then,
// resolved, and fired again a minute before payment, rejoining that
// incident without a new join time (past the correlation window when
// payment alerts). Payment gathers checkout, the late caller the
// incident was read for; frontend, two hops up, stays: from an incident
// past the window only late callers move.
func TestOriginTakesOnlyLateCallersFromAPastIncident(t *testing.T) {
	tr := evidence.New(evidence.Config{})
	cfg := testConfig()
	cfg.OnsetWindow = 2 * time.Minute
	cfg.Window = 3 * time.Minute
	cfg.Evidence = tr
	e := New(cfg, chainGraph())
	now := t0.Add(10 * time.Minute)
	observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"frontend", "checkout", "payment"}, now, 2000, func(k uint64) bool { return k%2 == 1 })
	co := e.Ingest(firing("checkout", "Errors", now.Add(-210*time.Second)), now.Add(-210*time.Second))
	fe := e.Ingest(firing("frontend", "Errors", now.Add(-200*time.Second)), now.Add(-200*time.Second))
	require.Equal(t, co.IncidentID, fe.IncidentID)
	e.Ingest(resolved("frontend", "Errors", now.Add(-190*time.Second)), now.Add(-190*time.Second))
	e.Advance(now.Add(-100 * time.Second))
	again := e.Ingest(firing("frontend", "Errors", now.Add(-60*time.Second)), now.Add(-60*time.Second))
	require.Equal(t, co.IncidentID, again.IncidentID)
	pay := e.Ingest(firing("payment", "Errors", now), now)
	e.Advance(now.Add(time.Second))
	assert.Equal(t, pay.IncidentID, e.IncidentOf(firing("checkout", "Errors", now).Fingerprint))
	assert.NotEqual(t, pay.IncidentID, e.IncidentOf(firing("frontend", "Errors", now).Fingerprint))
}
