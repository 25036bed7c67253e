package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEmptiedPageSaysWhereItsAlertsWent: cart's alert pages on its own;
// payment's, unrelated in the graph, pages apart. cart's alert is then
// moved into payment's incident, as attribute.go moves the alerts an
// origin explains (detach, then join). cart's incident, left with no
// alert, resolves, and its resolved record names payment's incident
// (incident.merged_into); payment's incident, whose alerts then stop
// firing, resolves naming none.
func TestEmptiedPageSaysWhereItsAlertsWent(t *testing.T) {
	cfg := testConfig()
	e := New(cfg, staticGraph(map[string][]string{"web": {"cart"}, "api": {"payment"}}))
	cartAlert, payAlert := firing("cart", "Errors", t0), firing("payment", "Errors", t0)
	cart := e.Ingest(cartAlert, t0)
	pay := e.Ingest(payAlert, t0)
	require.NotEqual(t, cart.IncidentID, pay.IncidentID)
	paged := t0.Add(cfg.GroupWait + time.Second)
	require.Len(t, e.Advance(paged), 2, "both incidents page")

	st := e.alerts[cartAlert.Fingerprint]
	e.detach(e.incidents[cart.IncidentID], st)
	e.join(e.incidents[pay.IncidentID], st, paged)
	var resolvedTo map[string]string
	collect := func(evs []Event) {
		resolvedTo = map[string]string{}
		for _, ev := range evs {
			if ev.State == "resolved" {
				resolvedTo[ev.Incident.ID] = ev.Incident.MergedInto
			}
		}
	}
	collect(e.Advance(paged.Add(time.Second)))
	require.Contains(t, resolvedTo, cart.IncidentID, "the emptied incident resolves")
	assert.Equal(t, pay.IncidentID, resolvedTo[cart.IncidentID])
	assert.NotContains(t, resolvedTo, pay.IncidentID)

	end := paged.Add(time.Minute)
	e.Ingest(resolved("cart", "Errors", end), end)
	e.Ingest(resolved("payment", "Errors", end), end)
	collect(e.Advance(end.Add(cfg.ResolveHold + time.Second)))
	require.Contains(t, resolvedTo, pay.IncidentID)
	assert.Empty(t, resolvedTo[pay.IncidentID], "an incident whose alerts stop firing names no other")
}
