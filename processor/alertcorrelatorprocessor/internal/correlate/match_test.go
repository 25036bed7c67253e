package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A gateway in front of two faults: its first alert joins the first
// fault's incident; its second alert, opened after its other dependency
// started alerting of its own, joins that dependency's incident, not the
// first one's by way of the gateway's earlier alert.
func TestSecondAlertJoinsTheNewerCause(t *testing.T) {
	g := staticGraph(map[string][]string{"gw": {"a", "b"}})
	e := New(testConfig(), g)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	e.Ingest(firing("a", "HighErrorRate", at(0)), at(0))
	e.Ingest(firing("gw", "HighErrorRate", at(5*time.Second)), at(5*time.Second))
	e.Ingest(firing("b", "HighErrorRate", at(40*time.Second)), at(40*time.Second))
	e.Ingest(firing("gw", "HighLatency", at(50*time.Second)), at(50*time.Second))
	pages := opened(e, at(2*time.Minute))
	assert.Equal(t, map[string][]string{
		"a": {"a", "gw"},
		"b": {"b", "gw"},
	}, pages)
}

// rootInFront: an engine with a 2 m onset window over gw, which calls b
// directly and c through m; a clock from t0.
func rootInFront() (*Engine, func(time.Duration) time.Time) {
	cfg := testConfig()
	cfg.OnsetWindow = 2 * time.Minute
	e := New(cfg, staticGraph(map[string][]string{"gw": {"b", "m"}, "m": {"c"}}))
	return e, func(d time.Duration) time.Time { return t0.Add(d) }
}

// TestRootsLaterAlertJoinsANewerDirectCause: gw fails on its own and
// opens an incident as its root. Three minutes on, b, which gw calls
// directly, opens an alert of its own (outside the onset window: no
// take-over), and gw opens a further alert 10 s later: it is b's symptom,
// not gw's first failure again, and joins b's incident (forty-fifth
// pass). Before, an alert whose service opened its incident kept to it.
// With the newer cause c two hops below gw (through m, which does not
// alert), gw's further alert keeps to its incident: a root's further
// alert is as often its own failure tripping another rule as a symptom,
// and only a direct dependency's newer alert takes it.
func TestRootsLaterAlertJoinsANewerDirectCause(t *testing.T) {
	for _, tt := range []struct {
		name, cause string
		joins       bool
	}{
		{"a direct dependency", "b", true},
		{"two hops below", "c", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, at := rootInFront()
			first := e.Ingest(firing("gw", "HighErrorRate", at(0)), at(0))
			cause := e.Ingest(firing(tt.cause, "HighErrorRate", at(180*time.Second)), at(180*time.Second))
			require.NotEqual(t, first.IncidentID, cause.IncidentID)
			later := e.Ingest(firing("gw", "HighLatency", at(190*time.Second)), at(190*time.Second))
			assert.Equal(t, tt.joins, cause.IncidentID == later.IncidentID)
			assert.Equal(t, !tt.joins, first.IncidentID == later.IncidentID)
		})
	}
}
