package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestFailingSince: a gateway calls two services whose dependencies fail,
// one for 50 s, the other for 20 s. Link reads Linked toward both roots;
// FailingSince dates each edge's failing spell to its bucket, so the
// newer fault's edge reads the later start. Healthy calls read nothing,
// and a spell older than the window reads the window's oldest bucket.
func TestFailingSince(t *testing.T) {
	tr := New(Config{})
	a := []string{"gateway", "orders", "db"}
	c := []string{"gateway", "cart", "cache"}
	h := []string{"gateway", "search"}
	end := t0.Add(10 * time.Minute)
	n := uint64(0)
	var at time.Time
	for at = t0; at.Before(end); at = at.Add(time.Second) {
		n++
		left := end.Sub(at)
		tr.Observe(alertscenario.ChainTraces(a, 1, 3*n, at, func(uint64) bool { return left <= 50*time.Second && n%2 == 1 }), at)
		tr.Observe(alertscenario.ChainTraces(c, 1, 3*n+1, at, func(uint64) bool { return left <= 20*time.Second && n%2 == 1 }), at)
		tr.Observe(alertscenario.ChainTraces(h, 1, 3*n+2, at, func(uint64) bool { return false }), at)
	}
	now := at.Add(-time.Second)
	require.Equal(t, Linked, tr.Link("gateway", "db", 3, now))
	require.Equal(t, Linked, tr.Link("gateway", "cache", 3, now))
	bucket := tr.Bucket()

	older, ok := tr.FailingSince("gateway", "db", 3, now)
	require.True(t, ok)
	newer, ok := tr.FailingSince("gateway", "cache", 3, now)
	require.True(t, ok)
	assert.WithinDuration(t, end.Add(-50*time.Second), older, bucket)
	assert.WithinDuration(t, end.Add(-20*time.Second), newer, bucket)
	assert.True(t, newer.After(older))

	_, ok = tr.FailingSince("gateway", "search", 3, now)
	assert.False(t, ok, "healthy calls have no failing spell")
	_, ok = tr.FailingSince("gateway", "db", 1, now)
	assert.False(t, ok, "one hop does not reach db")

	// A minute and a half later, db's spell fills the window: the oldest
	// bucket's start, at most a window back.
	for stop := at.Add(90 * time.Second); at.Before(stop); at = at.Add(time.Second) {
		n++
		tr.Observe(alertscenario.ChainTraces(a, 1, 3*n, at, func(uint64) bool { return n%2 == 1 }), at)
	}
	now = at.Add(-time.Second)
	since, ok := tr.FailingSince("gateway", "db", 3, now)
	require.True(t, ok)
	assert.WithinDuration(t, now.Add(-tr.Window()), since, bucket)
}

// TestPathFailingSince: two roots behind one shared first call (gateway
// -> api, which calls db, failing for 50 s, and cache, failing for 20 s).
// FailingSince reads the shared edge for both; PathFailingSince dates
// each root's path by its own later edge.
func TestPathFailingSince(t *testing.T) {
	tr := New(Config{})
	a := []string{"gateway", "api", "db"}
	c := []string{"gateway", "api", "cache"}
	end := t0.Add(10 * time.Minute)
	n := uint64(0)
	var at time.Time
	for at = t0; at.Before(end); at = at.Add(time.Second) {
		n++
		left := end.Sub(at)
		tr.Observe(alertscenario.ChainTraces(a, 1, 2*n, at, func(uint64) bool { return left <= 50*time.Second && n%2 == 1 }), at)
		tr.Observe(alertscenario.ChainTraces(c, 1, 2*n+1, at, func(uint64) bool { return left <= 20*time.Second && n%2 == 1 }), at)
	}
	now := at.Add(-time.Second)
	first, ok := tr.FailingSince("gateway", "cache", 3, now)
	require.True(t, ok)
	assert.WithinDuration(t, end.Add(-50*time.Second), first, tr.Bucket(), "the shared first call began failing with db")
	older, ok := tr.PathFailingSince("gateway", "db", 3, now)
	require.True(t, ok)
	newer, ok := tr.PathFailingSince("gateway", "cache", 3, now)
	require.True(t, ok)
	assert.WithinDuration(t, end.Add(-50*time.Second), older, tr.Bucket())
	assert.WithinDuration(t, end.Add(-20*time.Second), newer, tr.Bucket())
	_, ok = tr.PathFailingSince("gateway", "cache", 1, now)
	assert.False(t, ok)
}
