package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
