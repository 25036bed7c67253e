package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// TestQuietAlertExplainsNoLaterFailure: payment's TargetDown fires while
// its spans read quiet (a scrape outage, a maintenance window). When they
// stay quiet through a whole evidence window and payment starts failing
// 80 s on, payment's error alert and then checkout's (checkout calls
// payment) open an incident of their own: the TargetDown explains none of
// that failure. When payment's spans show failures 20 s after the
// TargetDown (spans lag alerts), its further alert joins the TargetDown's
// incident, as one failure's rules do, and checkout's with them. A
// restart while the TargetDown is read, or after it was marked, changes
// nothing (the saved state keeps both; the tracker is kept, as a
// restarted collector's reads the same once it has seen a window of
// spans again).
func TestQuietAlertExplainsNoLaterFailure(t *testing.T) {
	for _, tt := range []struct {
		name      string
		failFrom  int // seconds after the TargetDown
		apart     bool
		restartAt int // seconds after the TargetDown, 0: none
	}{
		{"quiet through a window, failing later", 80, true, 0},
		{"restarted while read", 80, true, 30},
		{"restarted once marked", 80, true, 75},
		{"spans lagged the alert", 20, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now, tr, cfg, e := paymentQuietSetup()
			down := e.Ingest(firing("payment", "TargetDown", now), now)
			var errs, caller Result
			for s := 1; s <= 100; s++ {
				at := paymentStep(tr, e, now, s, s >= tt.failFrom)
				switch s {
				case tt.restartAt:
					e = restarted(t, e, cfg, checkoutBurstGraph())
				case 90:
					errs = e.Ingest(firing("payment", "HighErrorRate", at), at)
				case 95:
					caller = e.Ingest(firing("checkout", "HighErrorRate", at), at)
				}
			}
			assert.Equal(t, tt.apart, errs.IncidentID != down.IncidentID, "payment's error alert apart from its TargetDown")
			assert.Equal(t, errs.IncidentID, caller.IncidentID, "checkout with payment's error alert")
		})
	}
}

// TestQuietAlertNotTakenOverByLaterFailure: checkout's TargetDown fires
// while its spans read quiet and they stay so through a window; 80 s on,
// flagd, which checkout calls, starts failing and alerts. flagd neither
// takes checkout's incident over as its deeper root nor gathers the
// TargetDown as a caller whose calls fail toward it: the TargetDown came
// before that failure. When checkout's spans showed failing calls 20 s
// after its alert (spans lag alerts), flagd is its root.
func TestQuietAlertNotTakenOverByLaterFailure(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name     string
		failFrom int // seconds after the TargetDown
		apart    bool
	}{
		{"quiet through a window, failing later", 80, true},
		{"spans lagged the alert", 20, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(10 * time.Minute)
			tr := evidence.New(evidence.Config{})
			observe(tr, []string{"checkout", "flagd"}, now, 0, nil)
			observe(tr, []string{"payment", "flagd"}, now, 500, nil)
			cfg := testConfig()
			cfg.Evidence = tr
			g := checkoutBurstGraph()
			g.AddStatic(map[string][]string{"checkout": {"flagd"}, "payment": {"flagd"}})
			e := New(cfg, g)
			e.Ingest(firing("checkout", "TargetDown", now), now)
			var errs Result
			for s := 1; s <= 120; s++ {
				at := now.Add(time.Duration(s) * time.Second)
				var fail func(uint64) bool
				if s >= tt.failFrom {
					fail = odd
				}
				tr.Observe(alertscenario.ChainTraces([]string{"checkout", "flagd"}, 2, 3000+uint64(2*s), at, fail), at)
				tr.Observe(alertscenario.ChainTraces([]string{"payment", "flagd"}, 2, 5000+uint64(2*s), at, fail), at)
				e.Advance(at)
				if s == 90 {
					errs = e.Ingest(firing("flagd", "HighErrorRate", at), at)
				}
			}
			inc := e.IncidentOf(firing("flagd", "HighErrorRate", now).Fingerprint)
			assert.Equal(t, tt.apart, inc != e.IncidentOf(firing("checkout", "TargetDown", now).Fingerprint), "flagd apart from checkout's TargetDown")
			assert.Equal(t, inc, errs.IncidentID, "flagd's alert stays where it was placed")
		})
	}
}

// TestQuietMarkReadAfreshWhenPlacedAgain: payment's TargetDown fires
// while its spans read quiet and is marked so through a window; it
// resolves and its incident closes. Later payment fails in the spans and
// the TargetDown fires again, now beside that failure: placed again, its
// old quiet mark is read afresh (noteQuietOnset), so payment's error
// alert joins it as one failure's rules do. Kept, the old mark would
// keep the error alert apart from its own service's alert.
func TestQuietMarkReadAfreshWhenPlacedAgain(t *testing.T) {
	now, tr, _, e := paymentQuietSetup()
	first := e.Ingest(firing("payment", "TargetDown", now), now)
	var again, errs Result
	for s := 1; s <= 260; s++ {
		at := paymentStep(tr, e, now, s, s >= 200)
		switch s {
		case 80:
			e.Ingest(resolved("payment", "TargetDown", at), at)
		case 230:
			again = e.Ingest(firing("payment", "TargetDown", at), at)
		case 240:
			errs = e.Ingest(firing("payment", "HighErrorRate", at), at)
		}
	}
	assert.NotEqual(t, first.IncidentID, again.IncidentID, "the TargetDown's first incident closed before it fired again")
	assert.Equal(t, again.IncidentID, errs.IncidentID, "payment's error alert with its TargetDown, placed again beside the failure")
}

// paymentQuietSetup is the two tests' start: checkout and web call
// payment, a window of their calls seen healthy, an engine reading them.
func paymentQuietSetup() (time.Time, *evidence.Tracker, Config, *Engine) {
	now := t0.Add(10 * time.Minute)
	tr := evidence.New(evidence.Config{})
	observe(tr, []string{"checkout", "payment"}, now, 0, nil)
	observe(tr, []string{"web", "payment"}, now, 500, nil)
	cfg := testConfig()
	cfg.Evidence = tr
	return now, tr, cfg, New(cfg, checkoutBurstGraph())
}

// paymentStep feeds second s's calls to payment (every other one failing
// when failing) and advances e; it returns the second's instant.
func paymentStep(tr *evidence.Tracker, e *Engine, now time.Time, s int, failing bool) time.Time {
	at := now.Add(time.Duration(s) * time.Second)
	var fail func(uint64) bool
	if failing {
		fail = func(k uint64) bool { return k%2 == 1 }
	}
	tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, 3000+uint64(2*s), at, fail), at)
	tr.Observe(alertscenario.ChainTraces([]string{"web", "payment"}, 2, 5000+uint64(2*s), at, fail), at)
	e.Advance(at)
	return at
}
