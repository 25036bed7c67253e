package correlate

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestRankPutsServicesTheirCallersDoNotShowLast: a service whose direct
// callers do not show it (a hub with one caller of many alerting) ranks
// after one whose callers do, though it alerted first, has more alerting
// callers within max_hops and is more severe (the fourteenth pass, rank.go;
// its scenario through the engine is now refused earlier, heldcause.go).
func TestRankPutsServicesTheirCallersDoNotShowLast(t *testing.T) {
	hub := &rankCand{rep: &rep{fp: "h", onset: t0, sev: 4}, service: "hub", callers: 3, vague: true}
	a1 := &rankCand{rep: &rep{fp: "a", onset: t0.Add(5 * time.Second), sev: 1}, service: "a1", callers: 1}
	order := []*rankCand{hub, a1}
	slices.SortFunc(order, compareRank)
	assert.Equal(t, "a1", order[0].service)

	hub.vague = false // shown by its callers: the usual order decides
	slices.SortFunc(order, compareRank)
	assert.Equal(t, "hub", order[0].service)
}
