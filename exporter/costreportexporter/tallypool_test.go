package costreportexporter

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestTallyPoolKeepsResetTallies checks that a tally put back is the one
// handed out next, reset, that the pool keeps no more than its capacity,
// and that a tally grown by a batch of unusually many patterns is shrunk.
func TestTallyPoolKeepsResetTallies(t *testing.T) {
	p := newTallyPool()
	a := p.get()
	svc := a.service("checkout")
	lr := plog.NewLogRecord()
	lr.Attributes().PutStr(attrTemplateID, "00000000000000ff")
	a.record(svc, lr, 10)
	a.unannotated = 3
	p.put(a)

	runtime.GC() // a sync.Pool would drop it here (after two collections)
	runtime.GC()
	got := p.get()
	assert.Same(t, a, got)
	assert.Empty(t, got.recs)
	assert.Empty(t, got.firsts)
	assert.Empty(t, got.services)
	assert.Zero(t, got.unannotated)
	assert.Equal(t, -1, got.last.pos)
	pos, _ := got.index.find(got.recs, got.texts, 0, templateID{hex: 0xff})
	assert.Equal(t, -1, pos, "the index is empty")

	capacity := cap(p.free)
	tallies := make([]*patternTally, capacity+1)
	for i := range tallies {
		tallies[i] = p.get()
	}
	for _, tl := range tallies {
		p.put(tl)
	}
	assert.Len(t, p.free, capacity, "one tally beyond the capacity is dropped")

	big := p.get()
	for i := 0; i < patternIndexMaxKept; i++ {
		big.recs = append(big.recs, patternRecord{})
	}
	big.reset()
	assert.LessOrEqual(t, cap(big.recs), patternIndexMaxKept/2, "a tally keeps a bounded number of entries")
}
