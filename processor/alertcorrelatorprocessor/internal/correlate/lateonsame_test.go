package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLateAlertOnAlertingServiceStaysApart: without spans, db fails and
// its caller api alerts as its symptom. A second alert on db (another
// rule) 20 s after db's first joins db's incident: the same failure seen
// by another rule. One 90 s after it (a restart, a maintenance window on
// db) relates to the incident only through db, which the incident already
// explains: it opens an incident of its own, and so does a later alert on
// api whose only relation is that earlier one.
func TestLateAlertOnAlertingServiceStaysApart(t *testing.T) {
	e := New(testConfig(), staticGraph(map[string][]string{"api": {"db"}}))
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	first := e.Ingest(firing("db", "HighErrorRate", at(0)), at(0))
	require.Equal(t, first.IncidentID, e.Ingest(firing("api", "HighErrorRate", at(10*time.Second)), at(10*time.Second)).IncidentID)
	near := e.Ingest(firing("db", "HighLatency", at(20*time.Second)), at(20*time.Second))
	assert.Equal(t, first.IncidentID, near.IncidentID, "a second rule on db within the gap joins")
	late := e.Ingest(firing("db", "DiskPressure", at(90*time.Second)), at(90*time.Second))
	assert.NotEqual(t, first.IncidentID, late.IncidentID, "a later alert on db opens its own incident")
	caller := e.Ingest(firing("api", "HighLatency", at(100*time.Second)), at(100*time.Second))
	assert.Equal(t, late.IncidentID, caller.IncidentID, "api's later alert is not drawn into the first incident by api's earlier alert")
}
