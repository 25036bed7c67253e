package evidence

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestObserversThroughIsTheSlowestLiveObserver: three observers send
// 10 s summaries ending 3, 6 and 9 s into every ten. Every live one has
// counted through the oldest of their newest ends. One that stops
// sending holds the others back until it is more than one whole
// interval overdue; summaries of no known interval (Merge) track no
// observer.
func TestObserversThroughIsTheSlowestLiveObserver(t *testing.T) {
	tr := New(Config{})
	at := time.Unix(1_700_000_000, 0)
	assert.True(t, tr.ObserversThrough(at).IsZero(), "no summary yet")
	tr.Merge(Counts{}, at)
	assert.True(t, tr.ObserversThrough(at).IsZero(), "a summary of no known interval")
	send := func(id string, end time.Time) {
		tr.MergeFrom(id, Counts{}, end.Add(-10*time.Second), end)
	}
	for _, s := range []int{3, 6, 9, 13, 16, 19, 23} {
		send([]string{"a", "b", "c"}[(s%10)/3-1], at.Add(time.Duration(s)*time.Second))
	}
	assert.Equal(t, at.Add(16*time.Second), tr.ObserversThrough(at.Add(24*time.Second)), "b's newest ends first")
	// c stops after 19 s: it holds a and b back until 39 s.
	send("b", at.Add(26*time.Second))
	send("a", at.Add(33*time.Second))
	send("b", at.Add(36*time.Second))
	assert.Equal(t, at.Add(19*time.Second), tr.ObserversThrough(at.Add(39*time.Second)), "c one interval overdue")
	assert.Equal(t, at.Add(33*time.Second), tr.ObserversThrough(at.Add(40*time.Second)), "c no longer live")
	assert.True(t, tr.ObserversThrough(at.Add(time.Minute)).IsZero(), "none live")
	// An observer that does not say which it is counts as one.
	tr.MergeInterval(Counts{}, at.Add(50*time.Second), at.Add(60*time.Second))
	assert.Equal(t, at.Add(60*time.Second), tr.ObserversThrough(at.Add(61*time.Second)))
}

// TestObserversBeyondTheBoundAreCounted: at maxObservers live ones, a
// new observer's summary is merged but tracks nothing, counted; once the
// others stop being live, it takes their room.
func TestObserversBeyondTheBoundAreCounted(t *testing.T) {
	tr := New(Config{})
	at := time.Unix(1_700_000_000, 0)
	for i := range maxObservers {
		tr.MergeFrom(strconv.Itoa(i), Counts{}, at.Add(-10*time.Second), at)
	}
	tr.MergeFrom("late", Counts{Services: map[string]ServiceCounts{"checkout": {Spans: 4}}}, at.Add(-5*time.Second), at.Add(5*time.Second))
	assert.Equal(t, uint64(1), tr.Stats().ObserverOverflow)
	assert.Equal(t, uint64(4), tr.Stats().Spans, "its counts merged")
	assert.Equal(t, at, tr.ObserversThrough(at.Add(5*time.Second)), "it holds nothing back")
	tr.MergeFrom("late", Counts{}, at.Add(25*time.Second), at.Add(35*time.Second))
	assert.Equal(t, uint64(1), tr.Stats().ObserverOverflow, "the others, no longer live, made room")
	assert.Equal(t, at.Add(35*time.Second), tr.ObserversThrough(at.Add(36*time.Second)))
}
