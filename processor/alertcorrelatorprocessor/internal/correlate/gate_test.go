package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestQuietDependencyTakesNothingOver: payment's alert opens an incident;
// an alert on ledger, which payment calls, takes it over as its deeper
// root without traces, with traces showing ledger failing, and with
// traces too thin to read ledger (a few spans: nothing is known). With
// traces showing ledger well observed and nothing failing in, into or out
// of it (a maintenance alert, a disk filling), while they show a fault
// elsewhere in the storm (so they speak: informative.go), its alert says
// nothing of payment's trouble and opens an incident of its own.
func TestQuietDependencyTakesNothingOver(t *testing.T) {
	g := ledgerGraph()
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name    string
		traces  func(tr *evidence.Tracker, now time.Time)
		sameInc bool
	}{
		{"no traces", nil, true},
		{"ledger failing", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment", "ledger"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"checkout", "payment", "ledger"}, now, 1000, odd)
		}, true},
		{"ledger thinly observed", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 0, nil)
			tr.Observe(alertscenario.ChainTraces([]string{"payment", "ledger"}, 2, 5000, now, nil), now)
		}, true},
		{"ledger quiet", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment", "ledger"}, now, 0, nil)
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(10 * time.Minute)
			cfg := tracedConfig(tt.traces, now)
			e := New(cfg, g)
			if !tt.sameInc {
				originElsewhere(e, cfg.Evidence, now)
			}
			pay := e.Ingest(firing("payment", "Errors", now), now)
			led := e.Ingest(firing("ledger", "DiskFilling", now.Add(time.Second)), now.Add(time.Second))
			assert.Equal(t, tt.sameInc, pay.IncidentID == led.IncidentID)
		})
	}
}

// TestQuietDependencyTakesOverOnceItFails: ledger's alert opens while its
// spans still read quiet, so it does not take over payment's incident.
// Within the next evidence window errors originate in ledger (on
// requests of its own; payment's calls to it do not fail, so the traces
// attribute nothing of payment's to it): the refused take-over is tried
// again, as the graph would have it without the traces, and ledger's
// incident takes payment's over.
func TestQuietDependencyTakesOverOnceItFails(t *testing.T) {
	quietLedgerFails(t, false)
}

// TestQuietRefusedTakeOverSurvivesRestore: restored from the state saved
// while ledger's refused take-over waits for errors to originate there
// (the restarted process's trace evidence starts empty), the engine
// retries it once they do, as without a restart.
func TestQuietRefusedTakeOverSurvivesRestore(t *testing.T) {
	quietLedgerFails(t, true)
}

// quietLedgerFails is TestQuietDependencyTakesOverOnceItFails, with a
// restart after the refusal when restart is set.
func quietLedgerFails(t *testing.T, restart bool) {
	tr := evidence.New(evidence.Config{})
	cfg := testConfig()
	cfg.Evidence = tr
	e := New(cfg, ledgerGraph())
	now := t0.Add(10 * time.Minute)
	observe(tr, []string{"checkout", "payment", "ledger"}, now, 0, nil)
	originElsewhere(e, tr, now)
	pay := e.Ingest(firing("payment", "Errors", now), now)
	led := e.Ingest(firing("ledger", "Errors", now.Add(time.Second)), now.Add(time.Second))
	require.NotEqual(t, pay.IncidentID, led.IncidentID)
	e.Advance(now.Add(2 * time.Second))
	if restart {
		tr = evidence.New(evidence.Config{})
		cfg.Evidence = tr
		e = restarted(t, e, cfg, ledgerGraph())
	}
	odd := func(k uint64) bool { return k%2 == 1 }
	for i := range 30 {
		at := now.Add(time.Duration(i+2) * time.Second)
		tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment", "ledger"}, 2, uint64(5000+2*i), at, nil), at)
		tr.Observe(alertscenario.ChainTraces([]string{"ledger"}, 2, uint64(9000+2*i), at, odd), at)
		e.Advance(at)
	}
	payInc := e.IncidentOf(firing("payment", "Errors", now).Fingerprint)
	assert.NotEmpty(t, payInc)
	assert.Equal(t, payInc, e.IncidentOf(firing("ledger", "Errors", now).Fingerprint))
}

// ledgerGraph is checkout -> payment -> ledger.
func ledgerGraph() *topology.Graph {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"checkout": {"payment"}, "payment": {"ledger"}})
	return g
}

// tracedConfig is testConfig with a fresh trace tracker fed by traces
// (none when traces is nil) up to now.
func tracedConfig(traces func(tr *evidence.Tracker, now time.Time), now time.Time) Config {
	cfg := testConfig()
	if traces != nil {
		tr := evidence.New(evidence.Config{})
		traces(tr, now)
		cfg.Evidence = tr
	}
	return cfg
}
