package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A gateway in front of two faults that alert apart: its alert relates to
// both as a symptom one hop up, a tie the hook reports, with the incident
// joined last first and its readings.
func TestTieNoteReportsEqualCandidates(t *testing.T) {
	g := staticGraph(map[string][]string{"gw": {"a", "b"}})
	e := New(testConfig(), g)
	var notes []TieNote
	e.OnTie(func(n TieNote) { notes = append(notes, n) })
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	e.Ingest(firing("a", "HighErrorRate", at(0)), at(0))
	e.Ingest(firing("b", "HighErrorRate", at(5*time.Second)), at(5*time.Second))
	e.Ingest(firing("gw", "HighErrorRate", at(10*time.Second)), at(10*time.Second))
	require.Len(t, notes, 1)
	n := notes[0]
	assert.Equal(t, "recent", n.Decided)
	require.Len(t, n.Tied, 2)
	assert.Equal(t, at(5*time.Second), n.Tied[0].Root.StartsAt)
	assert.Equal(t, at(0), n.Tied[1].Root.StartsAt)
	for _, c := range n.Tied {
		assert.Equal(t, 1, c.RootHops)
		assert.Equal(t, c.Root.StartsAt, c.Cause)
		assert.False(t, c.Traveled)
	}
}
