package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestHoldNoteNamesTheHold: an alert that fires again after its
// resolution (TestRecurrencePagesAgain) has its second page held by
// awaitsRepage from group_wait on until it has fired for its last cycle
// plus group_wait; OnHold reports that hold, by name, each second it
// holds, and nothing for the first page, which no hold kept back.
func TestHoldNoteNamesTheHold(t *testing.T) {
	p := &pager{e: New(repageConfig(), demoGraph(t))}
	var notes []HoldNote
	p.e.OnHold(func(n HoldNote) { notes = append(notes, n) })
	p.run(t, map[int]string{0: "f", 15: "r", 35: "f"}, 200)
	assert.Equal(t, []int{10, 35 + 35 + 10}, p.pages)
	if assert.NotEmpty(t, notes) {
		assert.Equal(t, t0.Add((35+10)*time.Second), notes[0].At, "held from group_wait on")
		assert.Equal(t, t0.Add((35+35+10-1)*time.Second), notes[len(notes)-1].At, "until the second before its page")
		assert.Len(t, notes, 35)
	}
	for _, n := range notes {
		assert.Equal(t, "awaitsRepage", n.Hold)
		assert.NotEmpty(t, n.Incident)
	}
}
