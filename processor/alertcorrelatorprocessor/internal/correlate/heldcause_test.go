package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// A real root alerting before its callers: each of its first callers,
// refused as its symptom while the others are quiet, opens an incident
// that waits for it; once enough callers alert, the root takes them all
// over, those opened after it included, into one page.
func TestHeldCauseTakesOverItsWaitingCallers(t *testing.T) {
	heldCauseTakesOver(t, false)
}

// TestHeldCauseWaitSurvivesRestore: restored while c1's incident waits
// for d's held one (waits_for), the engine lets d take it over once
// enough of d's callers alert, as without a restart.
func TestHeldCauseWaitSurvivesRestore(t *testing.T) {
	heldCauseTakesOver(t, true)
}

func heldCauseTakesOver(t *testing.T, restart bool) {
	cfg := testConfig()
	e := New(cfg, sevenCallers())
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	e.Ingest(firing("d", "ServiceDown", at(0)), at(0))
	e.Ingest(firing("c1", "HighErrorRate", at(5*time.Second)), at(5*time.Second))
	if restart {
		e = restarted(t, e, cfg, sevenCallers())
	}
	e.Ingest(firing("c2", "HighErrorRate", at(8*time.Second)), at(8*time.Second))
	e.Ingest(firing("c3", "HighErrorRate", at(10*time.Second)), at(10*time.Second))
	pages := opened(e, at(time.Minute))
	require.Len(t, pages, 1, "%v", pages)
	assert.Equal(t, []string{"c1", "c2", "c3", "d"}, pages["d"])
}

// sevenCallers: c1-c7 call d.
func sevenCallers() *topology.Graph {
	return staticGraph(map[string][]string{"c1": {"d"}, "c2": {"d"}, "c3": {"d"}, "c4": {"d"}, "c5": {"d"}, "c6": {"d"}, "c7": {"d"}})
}
