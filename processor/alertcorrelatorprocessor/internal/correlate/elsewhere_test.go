package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestRootExplainedElsewhereNotTakenOver: checkout alerts first, its
// calls to payment failing (errors originating in payment, which has not
// alerted); ledger, another dependency of checkout, then alerts while
// checkout's calls to it succeed. Without traces ledger takes checkout's
// incident over as its deeper root; with them checkout's errors are
// payment's, and ledger's alert opens an incident of its own.
func TestRootExplainedElsewhereNotTakenOver(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"checkout": {"payment", "ledger"}})
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, traces := range []bool{false, true} {
		cfg := testConfig()
		now := t0.Add(10 * time.Minute)
		if traces {
			tr := evidence.New(evidence.Config{})
			observe(tr, []string{"checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"checkout", "ledger"}, now.Add(-time.Minute), 1000, nil)
			observe(tr, []string{"checkout", "payment"}, now, 2000, odd)
			observe(tr, []string{"checkout", "ledger"}, now, 3000, nil)
			cfg.Evidence = tr
		}
		e := New(cfg, g)
		co := e.Ingest(firing("checkout", "Errors", now), now)
		led := e.Ingest(firing("ledger", "Errors", now.Add(2*time.Second)), now.Add(2*time.Second))
		assert.Equal(t, !traces, co.IncidentID == led.IncidentID, "traces=%v", traces)
	}
}
