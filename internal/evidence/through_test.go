package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestThroughIsTheNewestSpanEnd: a service's Through is the newest end
// of the spans it sent, whenever they arrived; an older batch arriving
// later does not move it back; a service never seen reads zero. Its
// Lag follows how long after their spans end its batches arrive.
func TestThroughIsTheNewestSpanEnd(t *testing.T) {
	tr := New(Config{})
	at := time.Unix(1_700_000_000, 0)
	assert.True(t, tr.Through("checkout").IsZero())
	tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, 0, at.Add(-8*time.Second), nil), at)
	th := tr.Through("checkout")
	assert.False(t, th.Before(at.Add(-8*time.Second)), "checkout's spans of 8 s ago")
	assert.True(t, th.Before(at.Add(-7*time.Second)), "not their arrival")
	tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, 2, at.Add(-20*time.Second), nil), at.Add(time.Second))
	assert.Equal(t, th, tr.Through("checkout"), "an older batch arriving later")
	assert.False(t, tr.Through("payment").IsZero(), "payment's own spans count for payment")
	assert.True(t, tr.Lag("checkout") > 2*time.Second, "checkout's batches come late: %v", tr.Lag("checkout"))
	for i := range 20 {
		at := at.Add(time.Duration(2+i) * time.Second)
		tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, uint64(10+2*i), at, nil), at)
	}
	assert.Less(t, tr.Lag("checkout"), 100*time.Millisecond, "and then on time")
}

// TestThroughOfASummary: a merged summary moves its services' Through to
// the end of its interval; services it does not name stay.
func TestThroughOfASummary(t *testing.T) {
	tr := New(Config{})
	at := time.Unix(1_700_000_000, 0)
	tr.Merge(Counts{Services: map[string]ServiceCounts{"payment": {Spans: 10}}}, at)
	assert.Equal(t, at, tr.Through("payment"))
	tr.Merge(Counts{Services: map[string]ServiceCounts{"checkout": {Spans: 10}}}, at.Add(10*time.Second))
	assert.Equal(t, at, tr.Through("payment"), "a summary that does not name payment")
	assert.Equal(t, at.Add(10*time.Second), tr.Through("checkout"))
}

// TestLagOfSummaries: summaries whose interval is known (MergeInterval)
// move their services' Lag toward the interval, as batches that late
// would; Merge, with no interval, leaves it.
func TestLagOfSummaries(t *testing.T) {
	tr := New(Config{})
	at := time.Unix(1_700_000_000, 0)
	c := Counts{Services: map[string]ServiceCounts{"payment": {Spans: 10}}}
	for i := range 8 {
		end := at.Add(time.Duration(i+1) * 10 * time.Second)
		tr.MergeInterval(c, end.Add(-10*time.Second), end)
	}
	assert.Greater(t, tr.Lag("payment"), 8*time.Second, "every 10 s")
	assert.LessOrEqual(t, tr.Lag("payment"), 10*time.Second)
	tr.Merge(Counts{Services: map[string]ServiceCounts{"checkout": {Spans: 10}}}, at)
	assert.Zero(t, tr.Lag("checkout"), "no interval known")
}
