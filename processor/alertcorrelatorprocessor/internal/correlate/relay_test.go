package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRelayUnitesOnlyItsDirectCallers: db alerts, then gateway (two hops
// above relay, four above db) and edge (relay's direct caller) each open
// an incident of their own; relay, three hops above db, then alerts as
// db's symptom. Its direct caller's incident joins db's, as the failure
// relayed one step up; the gateway's stays apart (a relay two hops below
// it does not make it db's).
func TestRelayUnitesOnlyItsDirectCallers(t *testing.T) {
	g := staticGraph(map[string][]string{
		"gateway": {"mid"}, "mid": {"relay"}, "edge": {"relay"},
		"relay": {"s1"}, "s1": {"s2"}, "s2": {"db"},
	})
	e := New(testConfig(), g)
	e.Ingest(firing("db", "Errors", t0), t0)
	e.Ingest(firing("gateway", "Errors", t0.Add(time.Second)), t0.Add(time.Second))
	e.Ingest(firing("edge", "Errors", t0.Add(time.Second)), t0.Add(time.Second))
	_, open := e.Sizes()
	require.Equal(t, 3, open)
	e.Ingest(firing("relay", "Errors", t0.Add(3*time.Second)), t0.Add(3*time.Second))
	incOf := func(a Alert) string { return e.alerts[a.Fingerprint].incident }
	dbInc := incOf(firing("db", "Errors", t0))
	assert.Equal(t, dbInc, incOf(firing("relay", "Errors", t0)))
	assert.Equal(t, dbInc, incOf(firing("edge", "Errors", t0)))
	assert.NotEqual(t, dbInc, incOf(firing("gateway", "Errors", t0)))
	_, open = e.Sizes()
	assert.Equal(t, 2, open)
}
