package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestFarHealthySymptomStaysApart: db fails and api, which calls it,
// alerts with it. An alert on web, two hops above api (through gateway,
// which does not alert) and three above db, joins their incident as a
// symptom without traces, with traces showing web's calls failing down
// to db, and with traces too thin to read web's calls. With traces
// showing web well observed, quiet and its calls healthy (a maintenance
// alert at the fault's edge), it opens an incident of its own. A direct
// caller's alert on a healthy path (gateway's) still joins: one hop says
// more, and sparse spans often read a real symptom's calls healthy.
func TestFarHealthySymptomStaysApart(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	dbFails := func(tr *evidence.Tracker, now time.Time) {
		observe(tr, []string{"api", "db"}, now.Add(-time.Minute), 100, nil)
		observe(tr, []string{"api", "db"}, now, 1000, odd)
	}
	for _, tt := range []struct {
		name    string
		svc     string
		traces  func(tr *evidence.Tracker, now time.Time)
		sameInc bool
	}{
		{"no traces", "web", nil, true},
		{"web's calls failing", "web", func(tr *evidence.Tracker, now time.Time) {
			dbFails(tr, now)
			observe(tr, []string{"web", "gateway", "api", "db"}, now.Add(-time.Minute), 3000, nil)
			observe(tr, []string{"web", "gateway", "api", "db"}, now, 5000, odd)
		}, true},
		{"web thinly observed", "web", func(tr *evidence.Tracker, now time.Time) {
			dbFails(tr, now)
		}, true},
		{"web quiet, its calls healthy", "web", func(tr *evidence.Tracker, now time.Time) {
			dbFails(tr, now)
			observe(tr, []string{"web", "gateway", "api"}, now, 5000, nil)
		}, false},
		{"gateway quiet, a direct caller", "gateway", func(tr *evidence.Tracker, now time.Time) {
			dbFails(tr, now)
			observe(tr, []string{"web", "gateway", "api"}, now, 5000, nil)
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			now := t0.Add(10 * time.Minute)
			if tt.traces != nil {
				tr := evidence.New(evidence.Config{})
				tt.traces(tr, now)
				cfg.Evidence = tr
			}
			e := New(cfg, webGraph())
			db := e.Ingest(firing("db", "Errors", now), now)
			api := e.Ingest(firing("api", "Errors", now.Add(time.Second)), now.Add(time.Second))
			assert.Equal(t, db.IncidentID, api.IncidentID)
			other := e.Ingest(firing(tt.svc, "Latency", now.Add(2*time.Second)), now.Add(2*time.Second))
			assert.Equal(t, tt.sameInc, db.IncidentID == other.IncidentID)
		})
	}
}

// webGraph is web -> gateway -> api -> db.
func webGraph() *topology.Graph {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"web": {"gateway"}, "gateway": {"api"}, "api": {"db"}})
	return g
}
