package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestFailingShare: a gateway in front of two concurrent faults, one
// failing four calls in five, the other one in five, both begun before
// the reading. Link reads Linked toward both roots and their failing
// spells both reach back past the reading; the share of the gateway's
// failing calls toward each tells them apart, through separate first
// calls and through one shared first call (gateway -> api -> {db,
// cache}) alike.
func TestFailingShare(t *testing.T) {
	for name, chains := range map[string][2][]string{
		"separate first calls": {{"gateway", "orders", "db"}, {"gateway", "cart", "cache"}},
		"shared first call":    {{"gateway", "api", "db"}, {"gateway", "api", "cache"}},
	} {
		t.Run(name, func(t *testing.T) {
			tr := New(Config{})
			healthy := []string{"gateway", "search"}
			end := t0.Add(10 * time.Minute)
			n := uint64(0)
			var at time.Time
			for at = t0; at.Before(end); at = at.Add(time.Second) {
				n++
				late := end.Sub(at) <= 50*time.Second
				tr.Observe(alertscenario.ChainTraces(chains[0], 1, 3*n, at, func(uint64) bool { return late && n%5 != 0 }), at)
				tr.Observe(alertscenario.ChainTraces(chains[1], 1, 3*n+1, at, func(uint64) bool { return late && n%5 == 0 }), at)
				tr.Observe(alertscenario.ChainTraces(healthy, 1, 3*n+2, at, nil), at)
			}
			now := at.Add(-time.Second)
			require.Equal(t, Linked, tr.Link("gateway", "db", 3, now))
			require.Equal(t, Linked, tr.Link("gateway", "cache", 3, now))

			db, ok := tr.FailingShare("gateway", "db", 3, now, now)
			require.True(t, ok)
			cache, ok := tr.FailingShare("gateway", "cache", 3, now, now)
			require.True(t, ok)
			assert.InDelta(t, 0.8, db, 0.1)
			assert.InDelta(t, 0.2, cache, 0.1)

			// Read at an onset 20 s back, still in the window: the same.
			db, ok = tr.FailingShare("gateway", "db", 3, now.Add(-20*time.Second), now)
			require.True(t, ok)
			assert.InDelta(t, 0.8, db, 0.1)

			share, _ := tr.FailingShare("gateway", "search", 3, now, now)
			assert.Zero(t, share, "healthy calls carry no share")
			_, ok = tr.FailingShare("gateway", "db", 3, now.Add(-tr.Window()), now)
			assert.False(t, ok, "an onset whose buckets left the window reads nothing")
			_, ok = tr.FailingShare("search", "db", 3, now, now)
			assert.False(t, ok, "a service with no failing calls has no share")
		})
	}
}
