package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRankDetailReadsTheRanking: RankDetail lists an incident's alerting
// services in rank's order with the keys that put them there (alerts
// only: no origin, the alerting callers and dependencies), the order of
// the page's ranking, leaves the incident as it was, and returns nothing
// for an unknown incident.
func TestRankDetailReadsTheRanking(t *testing.T) {
	e := New(testConfig(), chainGraph())
	now := t0.Add(10 * time.Minute)
	co := e.Ingest(firing("checkout", "Errors", now), now)
	pay := e.Ingest(firing("payment", "Errors", now.Add(time.Second)), now.Add(time.Second))
	require.Equal(t, co.IncidentID, pay.IncidentID)
	at := now.Add(31 * time.Second) // past group_wait: the page's ranking
	require.NotEmpty(t, e.Advance(at))
	before, ok := e.Incident(co.IncidentID, at)
	require.True(t, ok)

	keys, speak := e.RankDetail(co.IncidentID)
	assert.False(t, speak, "no spans")
	require.Len(t, keys, 2)
	assert.Equal(t, RankKey{Service: "payment", Callers: 1, Onset: now.Add(time.Second)}, keys[0])
	assert.Equal(t, RankKey{Service: "checkout", Deps: 1, Onset: now}, keys[1])
	after, _ := e.Incident(co.IncidentID, at)
	assert.Equal(t, before.Ranking, after.Ranking)
	assert.Equal(t, before.Ranking[0], keys[0].Service)

	keys, _ = e.RankDetail("no-such-incident")
	assert.Empty(t, keys)
}
