package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// TestThinFailingDependencyTakesOver: ledger is seen once every five
// seconds (a dozen spans a window). With none of them failing its spans
// read quiet and its alert takes nothing of payment's over (gate.go); with
// the newest one failing they still read quiet (one failure is no
// anomaly) but fail beyond what ledger's baseline explains, so the spans
// cannot say nothing fails there, and ledger's alert takes payment's
// incident over as its deeper root, as without traces (gatespread.go).
func TestThinFailingDependencyTakesOver(t *testing.T) {
	for _, tt := range []struct {
		name    string
		fails   bool
		sameInc bool
	}{
		{"a dozen healthy spans", false, false},
		{"one of a dozen spans failing", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(10 * time.Minute)
			tr := evidence.New(evidence.Config{})
			observe(tr, []string{"checkout", "payment"}, now, 0, nil)
			for i := range 120 {
				at := now.Add(time.Duration(i-120) * 5 * time.Second)
				tr.Observe(alertscenario.ChainTraces([]string{"payment", "ledger"}, 1, uint64(5000+i), at, nil), at)
			}
			last := func(uint64) bool { return tt.fails }
			tr.Observe(alertscenario.ChainTraces([]string{"payment", "ledger"}, 1, 6000, now, last), now)
			at := now.Add(time.Second)
			assert.True(t, tr.Quiet("ledger", at), "no anomaly either way")
			assert.Equal(t, tt.fails, tr.FailsBeyondSpread("ledger", at))

			cfg := testConfig()
			cfg.Evidence = tr
			e := New(cfg, ledgerGraph())
			originElsewhere(e, tr, now)
			pay := e.Ingest(firing("payment", "Errors", now), now)
			led := e.Ingest(firing("ledger", "Errors", at), at)
			assert.Equal(t, tt.sameInc, pay.IncidentID == led.IncidentID)
		})
	}
}
