package correlate

import (
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestLaterAlertJoinsItsServicesIncident: without spans, db fails and its
// caller api alerts as its symptom. One failure trips each service's rules
// minutes apart: db's error-budget burn 20 s after its first alert, its
// saturation alert 3 min after (past the 2 min onset window), api's
// latency alert 4 min after its first. Each joins the open incident its
// service already alerts in: one page, rooted at db. Before the
// thirty-sixth pass the late ones opened incidents of their own.
func TestLaterAlertJoinsItsServicesIncident(t *testing.T) {
	cfg := testConfig()
	cfg.OnsetWindow = 2 * time.Minute
	e := New(cfg, staticGraph(map[string][]string{"api": {"db"}}))
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	first := e.Ingest(firing("db", "HighErrorRate", at(0)), at(0))
	pages := map[string][]string{}
	var clock time.Duration
	advance := func(to time.Duration) {
		for ; clock <= to; clock += 10 * time.Second {
			maps.Copy(pages, opened(e, at(clock)))
		}
	}
	ingest := func(svc, rule string, d time.Duration) string {
		advance(d - time.Second)
		return e.Ingest(firing(svc, rule, at(d)), at(d)).IncidentID
	}
	assert.Equal(t, first.IncidentID, ingest("api", "HighErrorRate", 10*time.Second))
	assert.Equal(t, first.IncidentID, ingest("db", "ErrorBudgetBurn", 20*time.Second))
	assert.Equal(t, first.IncidentID, ingest("db", "SaturationHigh", 3*time.Minute), "db's alert past the onset window")
	assert.Equal(t, first.IncidentID, ingest("api", "HighLatency", 4*time.Minute+10*time.Second), "api's later alert")
	advance(6 * time.Minute)
	assert.Equal(t, map[string][]string{"db": {"api", "db"}}, pages, "one page")
}
