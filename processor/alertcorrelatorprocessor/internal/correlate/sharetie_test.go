package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// TestTiedCandidatesFollowTheLargerShare: a gateway calling two services
// that both fail relates to both incidents alike (one hop each) and its
// failing calls reach both roots; it joins the one that takes most of its
// failing calls (nine in ten calls failing toward orders, one in ten
// toward search), not the one active last.
func TestTiedCandidatesFollowTheLargerShare(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"gateway": {"orders", "search"}})
	e, tr := tracedEngine(g)
	now := t0.Add(10 * time.Minute)
	most := func(k uint64) bool { return k%10 != 0 }
	few := func(k uint64) bool { return k%10 == 0 }
	observe(tr, []string{"gateway", "orders"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"gateway", "search"}, now.Add(-time.Minute), 500, nil)
	observe(tr, []string{"gateway", "orders"}, now, 1000, most)
	observe(tr, []string{"gateway", "search"}, now, 2000, few)

	orders := e.Ingest(firing("orders", "Errors", now), now)
	search := e.Ingest(firing("search", "Errors", now.Add(time.Second)), now.Add(time.Second))
	require.NotEqual(t, orders.IncidentID, search.IncidentID)
	gw := e.Ingest(firing("gateway", "Errors", now.Add(2*time.Second)), now.Add(2*time.Second))
	assert.Equal(t, orders.IncidentID, gw.IncidentID, "most of the gateway's failing calls go to orders")
}
