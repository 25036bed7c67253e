package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/topology"
)

// TestSymptomJoinsOnlyWithinMaxHopsOfTheRoot: web calls gw, gw api, api
// checkout, checkout payment (max_hops 3). payment alerts, then checkout,
// api and gw, each a symptom within three calls of payment: one incident.
// web alerts next: it calls gw, a member, but payment is four calls below
// it, further than max_hops, so it opens an incident of its own. A
// further alert on gw, a service already in the incident, still joins.
func TestSymptomJoinsOnlyWithinMaxHopsOfTheRoot(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{
		"web": {"gw"}, "gw": {"api"}, "api": {"checkout"}, "checkout": {"payment"},
	})
	e := New(testConfig(), g)
	at := t0
	root := firing("payment", "HighErrorRate", at)
	e.Ingest(root, at)
	for _, svc := range []string{"checkout", "api", "gw"} {
		at = at.Add(5 * time.Second)
		a := firing(svc, "HighErrorRate", at)
		e.Ingest(a, at)
		assert.Equal(t, e.IncidentOf(root.Fingerprint), e.IncidentOf(a.Fingerprint), svc)
	}
	at = at.Add(5 * time.Second)
	web := firing("web", "HighErrorRate", at)
	e.Ingest(web, at)
	assert.NotEqual(t, e.IncidentOf(root.Fingerprint), e.IncidentOf(web.Fingerprint), "web: four calls above payment")
	at = at.Add(5 * time.Second)
	again := firing("gw", "HighLatency", at)
	e.Ingest(again, at)
	assert.Equal(t, e.IncidentOf(root.Fingerprint), e.IncidentOf(again.Fingerprint), "gw's further alert")
}
