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
// relayed one step up. With spans speaking (a fault the spans show
// elsewhere in the storm) the gateway's stays apart: a relay two hops
// below it does not make it db's, the traces place it. Without spans
// nothing else would: it joins db's too, as before the rule.
func TestRelayUnitesOnlyItsDirectCallers(t *testing.T) {
	for _, tt := range []struct {
		name         string
		spans        bool
		gatewayApart bool
	}{
		{"spans speaking", true, true},
		{"no spans", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := staticGraph(map[string][]string{
				"gateway": {"mid"}, "mid": {"relay"}, "edge": {"relay"},
				"relay": {"s1"}, "s1": {"s2"}, "s2": {"db"},
			})
			now := t0.Add(10 * time.Minute)
			e, tr := tracedEngine(g)
			others := 0
			if tt.spans {
				originElsewhere(e, tr, now)
				others = 1
			} else {
				e = New(testConfig(), g)
			}
			at := func(d time.Duration) time.Time { return now.Add(d) }
			e.Ingest(firing("db", "Errors", at(time.Second)), at(time.Second))
			e.Ingest(firing("gateway", "Errors", at(2*time.Second)), at(2*time.Second))
			e.Ingest(firing("edge", "Errors", at(2*time.Second)), at(2*time.Second))
			_, open := e.Sizes()
			require.Equal(t, 3+others, open)
			e.Ingest(firing("relay", "Errors", at(4*time.Second)), at(4*time.Second))
			incOf := func(svc string) string { return e.alerts[firing(svc, "Errors", now).Fingerprint].incident }
			assert.Equal(t, incOf("db"), incOf("relay"))
			assert.Equal(t, incOf("db"), incOf("edge"))
			if tt.gatewayApart {
				assert.NotEqual(t, incOf("db"), incOf("gateway"))
			} else {
				assert.Equal(t, incOf("db"), incOf("gateway"))
			}
		})
	}
}
