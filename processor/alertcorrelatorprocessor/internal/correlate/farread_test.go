package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestFarSymptomReadAgain: db fails and api, which calls it, alerts with
// it. An alert on web, two hops above api (through gateway, which does
// not alert) and three above db, joins their incident as a symptom
// whatever the spans say. Half an evidence window later it is read again
// toward the root that then stands (db): with the spans showing web well
// observed, quiet and its calls healthy (a maintenance alert at the
// fault's edge), it leaves for an incident of its own, also across a
// restart in between; with web's calls failing down to db, or too thin
// to read, it stays. A direct caller's alert on a healthy path
// (gateway's) stays: it is never read here.
func TestFarSymptomReadAgain(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	dbFails := func(tr *evidence.Tracker, end time.Time) {
		observe(tr, []string{"api", "db"}, end.Add(-time.Minute), 100, nil)
		observe(tr, []string{"api", "db"}, end, 1000, odd)
	}
	healthyWeb := func(tr *evidence.Tracker, end time.Time) {
		dbFails(tr, end)
		observe(tr, []string{"web", "gateway", "api"}, end, 5000, nil)
	}
	for _, tt := range []struct {
		name    string
		svc     string
		traces  func(tr *evidence.Tracker, end time.Time)
		restart bool
		sameInc bool
	}{
		{"no traces", "web", nil, false, true},
		{"web's calls failing", "web", func(tr *evidence.Tracker, end time.Time) {
			dbFails(tr, end)
			observe(tr, []string{"web", "gateway", "api", "db"}, end.Add(-time.Minute), 3000, nil)
			observe(tr, []string{"web", "gateway", "api", "db"}, end, 5000, odd)
		}, false, true},
		{"web thinly observed", "web", dbFails, false, true},
		{"web quiet, its calls healthy", "web", healthyWeb, false, false},
		{"web quiet, restarted after its join", "web", healthyWeb, true, false},
		{"gateway quiet, a direct caller", "gateway", healthyWeb, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			farSymptomReadAgain(t, tt.svc, tt.traces, tt.restart, tt.sameInc)
		})
	}
}

func farSymptomReadAgain(t *testing.T, svc string, traces func(*evidence.Tracker, time.Time), restart, sameInc bool) {
	cfg := testConfig()
	now := t0.Add(10 * time.Minute)
	var tr *evidence.Tracker
	if traces != nil {
		tr = evidence.New(evidence.Config{})
		traces(tr, now)
		cfg.Evidence = tr
	}
	e := New(cfg, webGraph())
	db := e.Ingest(firing("db", "Errors", now), now)
	api := e.Ingest(firing("api", "Errors", now.Add(time.Second)), now.Add(time.Second))
	require.Equal(t, db.IncidentID, api.IncidentID)
	a := firing(svc, "Latency", now.Add(2*time.Second))
	other := e.Ingest(a, now.Add(2*time.Second))
	require.Equal(t, db.IncidentID, other.IncidentID, "a far symptom joins")
	e.Advance(now.Add(3 * time.Second))
	require.Equal(t, db.IncidentID, e.IncidentOf(a.Fingerprint), "not yet read again")
	if restart {
		e = restarted(t, e, cfg, webGraph())
	}
	later := now.Add(35 * time.Second)
	if traces != nil {
		traces(tr, later)
	}
	e.Advance(later)
	assert.Equal(t, sameInc, db.IncidentID == e.IncidentOf(a.Fingerprint))
	assert.NotEmpty(t, e.IncidentOf(a.Fingerprint))
}

// webGraph is web -> gateway -> api -> db.
func webGraph() *topology.Graph {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"web": {"gateway"}, "gateway": {"api"}, "api": {"db"}})
	return g
}
