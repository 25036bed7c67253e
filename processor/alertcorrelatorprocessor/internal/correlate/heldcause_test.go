package correlate

import (
	"testing"

	"github.com/quell-otel/quell/internal/topology"
)

// A real root alerting before its callers: each of its first callers,
// refused as its symptom while the others are quiet, opens an incident
// that waits for it; once enough callers alert, the root takes them all
// over, those opened after it included, into one page.
func TestHeldCauseTakesOverItsWaitingCallers(t *testing.T) {
	heldTakeOver(t, "d", "c1", false)
}

// TestHeldCauseWaitSurvivesRestore: restored while c1's incident waits
// for d's held one (waits_for), the engine lets d take it over once
// enough of d's callers alert, as without a restart.
func TestHeldCauseWaitSurvivesRestore(t *testing.T) {
	heldTakeOver(t, "d", "c1", true)
}

// sevenCallers: c1-c7 call d.
func sevenCallers() *topology.Graph {
	return staticGraph(map[string][]string{"c1": {"d"}, "c2": {"d"}, "c3": {"d"}, "c4": {"d"}, "c5": {"d"}, "c6": {"d"}, "c7": {"d"}})
}
