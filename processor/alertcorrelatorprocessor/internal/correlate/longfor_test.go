package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLongForRootJoinsItsCallers, alerts only: checkout and cart (two of
// payment's four direct callers, which call nothing else alerting) page
// apart at once; payment's own alert arrives 15 minutes later (a
// kubernetes-mixin rule's `for:`), past the 3 min correlation window of
// both. While their alerts still fire it joins them, one incident rooted
// at payment, across a restart too; with them resolved, with one caller
// of four alerting (it explains nothing), or alerting again after a
// resolution (a wobble, no late root), it pages apart. Once payment roots
// the incident, a later rule of its joins too, while the callers still
// fire (TestLongForLaterRuleOfTheRoot).
func TestLongForRootJoinsItsCallers(t *testing.T) {
	for _, tt := range []struct {
		name     string
		callers  []string
		resolve  bool
		restart  bool
		together bool
	}{
		{"callers still firing", []string{"checkout", "cart"}, false, false, true},
		{"restarted before it", []string{"checkout", "cart"}, false, true, true},
		{"callers resolved", []string{"checkout", "cart"}, true, false, false},
		{"one caller of four", []string{"checkout"}, false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Window, cfg.OnsetWindow, cfg.GroupWait = 3*time.Minute, 2*time.Minute, 10*time.Second
			g := staticGraph(fourPaymentCallers())
			e := New(cfg, g)
			var ids []string
			for _, svc := range tt.callers {
				ids = append(ids, e.Ingest(firing(svc, "HighErrorRate", t0), t0).IncidentID)
			}
			late := t0.Add(15 * time.Minute)
			for at := t0.Add(time.Minute); at.Before(late); at = at.Add(time.Minute) {
				e.Advance(at)
				for _, svc := range tt.callers {
					if tt.resolve && at.After(t0.Add(10*time.Minute)) {
						e.Ingest(resolved(svc, "HighErrorRate", t0), at)
						continue
					}
					e.Ingest(firing(svc, "HighErrorRate", t0), at)
				}
			}
			if len(ids) == 2 {
				require.NotEqual(t, ids[0], ids[1], "the callers page apart")
			}
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}
			e.Advance(late)
			r := e.Ingest(firing("payment", "KubePodCrashLooping", late), late)
			e.Advance(late.Add(time.Minute))
			if !tt.together {
				assert.NotContains(t, ids, r.IncidentID)
				return
			}
			assert.Contains(t, ids, r.IncidentID)
			for _, svc := range tt.callers {
				assert.Equal(t, r.IncidentID, e.IncidentOf(firing(svc, "HighErrorRate", t0).Fingerprint), svc)
			}
			inc, ok := e.Incident(r.IncidentID, late)
			require.True(t, ok)
			assert.Equal(t, "payment", inc.RootService)
		})
	}
}

// TestLongForLaterRuleOfTheRoot: checkout and cart page at once;
// payment's TargetDown (for: 10m) joins them and roots the incident, and
// its KubePodCrashLooping (for: 15m), past the window of that join too,
// joins as well while checkout and cart still fire. A wobble of payment's
// (firing again after a resolution) does not join.
func TestLongForLaterRuleOfTheRoot(t *testing.T) {
	cfg := testConfig()
	cfg.Window, cfg.OnsetWindow, cfg.GroupWait = 3*time.Minute, 2*time.Minute, 10*time.Second
	e := New(cfg, staticGraph(fourPaymentCallers()))
	e.Ingest(firing("checkout", "HighErrorRate", t0), t0)
	e.Ingest(firing("cart", "HighErrorRate", t0), t0)
	at := t0.Add(10 * time.Minute)
	e.Advance(at)
	r := e.Ingest(firing("payment", "TargetDown", at), at)
	e.Advance(at.Add(time.Minute))
	inc, ok := e.Incident(r.IncidentID, at)
	require.True(t, ok)
	require.Equal(t, "payment", inc.RootService)
	at = t0.Add(15 * time.Minute)
	e.Advance(at)
	assert.Equal(t, r.IncidentID, e.Ingest(firing("payment", "KubePodCrashLooping", at), at).IncidentID)

	wobble := alert("payment", "KubePodNotReady", "firing", at)
	wobble.StartsAt = at.Add(-time.Minute) // seen first at its onset, then again
	st := &alertState{Alert: wobble, firstSeen: at.Add(-2 * time.Minute)}
	assert.Empty(t, e.heldRootOf(st, at.Add(5*time.Minute)))
}

// TestLongForOffWithoutWindow: with correlation.window 0 every open
// incident is live, and the rule finds nothing to do.
func TestLongForOffWithoutWindow(t *testing.T) {
	cfg := testConfig()
	cfg.Window = 0
	e := New(cfg, staticGraph(fourPaymentCallers()))
	e.Ingest(firing("checkout", "HighErrorRate", t0), t0)
	st := e.alerts[firing("checkout", "HighErrorRate", t0).Fingerprint]
	require.NotNil(t, st)
	late := t0.Add(15 * time.Minute)
	assert.Empty(t, e.heldRootOf(&alertState{Alert: firing("payment", "KubePodCrashLooping", late)}, late))
}
