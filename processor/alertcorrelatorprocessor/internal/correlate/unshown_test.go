package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// TestUnshownDependencyTakesNothingOver: payment's alert opens an
// incident; an alert on ledger, which payment calls, would take it over
// as its deeper root. The spans speak (errors originate in search, a
// fault elsewhere in the storm) but show nothing of ledger failing:
// ledger's own spans too few to read and payment's calls to it too few
// to read. Ledger's alert opens an incident of its own. When errors originate in
// ledger, or payment's calls to it fail, it takes payment's incident
// over as before; and without spans that speak, as without traces.
func TestUnshownDependencyTakesNothingOver(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	thinLedger := func(tr *evidence.Tracker, now time.Time) {
		tr.Observe(alertscenario.ChainTraces([]string{"payment", "ledger"}, 2, 5000, now, nil), now)
	}
	for _, tt := range []struct {
		name      string
		traces    func(tr *evidence.Tracker, now time.Time)
		elsewhere bool
		sameInc   bool
	}{
		{"spans silent, ledger thin", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 0, nil)
			thinLedger(tr, now)
		}, false, true},
		{"spans speak, ledger thin", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 0, nil)
			thinLedger(tr, now)
		}, true, false},
		{"spans speak, ledger failing", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment", "ledger"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"checkout", "payment", "ledger"}, now, 1000, odd)
		}, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(10 * time.Minute)
			cfg := tracedConfig(tt.traces, now)
			e := New(cfg, ledgerGraph())
			if tt.elsewhere {
				originElsewhere(e, cfg.Evidence, now)
			}
			pay := e.Ingest(firing("payment", "Errors", now), now)
			led := e.Ingest(firing("ledger", "Errors", now.Add(time.Second)), now.Add(time.Second))
			assert.Equal(t, tt.sameInc, pay.IncidentID == led.IncidentID)
		})
	}
}

// TestUnshownDependencyTakesOverOnceItFails: ledger's refused take-over
// (its spans thin while the spans speak) is tried again once errors
// originate in ledger within the evidence window, and ledger's incident
// takes payment's over.
func TestUnshownDependencyTakesOverOnceItFails(t *testing.T) {
	tr := evidence.New(evidence.Config{})
	cfg := testConfig()
	cfg.Evidence = tr
	e := New(cfg, ledgerGraph())
	now := t0.Add(10 * time.Minute)
	observe(tr, []string{"checkout", "payment"}, now, 0, nil)
	tr.Observe(alertscenario.ChainTraces([]string{"payment", "ledger"}, 2, 5000, now, nil), now)
	originElsewhere(e, tr, now)
	pay := e.Ingest(firing("payment", "Errors", now), now)
	led := e.Ingest(firing("ledger", "Errors", now.Add(time.Second)), now.Add(time.Second))
	require.NotEqual(t, pay.IncidentID, led.IncidentID)
	odd := func(k uint64) bool { return k%2 == 1 }
	for i := range 30 {
		at := now.Add(time.Duration(i+2) * time.Second)
		tr.Observe(alertscenario.ChainTraces([]string{"ledger"}, 2, uint64(9000+2*i), at, odd), at)
		e.Advance(at)
	}
	payInc := e.IncidentOf(firing("payment", "Errors", now).Fingerprint)
	assert.NotEmpty(t, payInc)
	assert.Equal(t, payInc, e.IncidentOf(firing("ledger", "Errors", now).Fingerprint))
}
