package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatewayBetweenTwo: the gateway calls payment and quote; cart, web and
// api call payment only, ship calls quote only; with below, payment calls
// quote too.
func gatewayBetweenTwo(below bool) map[string][]string {
	g := map[string][]string{
		"gateway": {"payment", "quote"}, "cart": {"payment"}, "web": {"payment"}, "api": {"payment"},
		"ship": {"quote"},
	}
	if below {
		g["payment"] = []string{"quote"}
	}
	return g
}

// TestLateRootTakesItsCallerFromAnotherIncident, alerts only: quote
// alerts (another fault); the gateway, which calls quote and payment,
// alerts 20 s later and joins quote's incident as its symptom; cart and
// web, payment's callers, cross their rule with the gateway; payment's own
// rule fires three minutes later. The gateway's alert moves to payment's
// incident (across a restart before payment too); quote's incident keeps
// quote. It stays with quote when only one other caller of payment
// crosses with it, when those that do also reach quote, or when quote is
// below payment (payment may be quote's symptom).
func TestLateRootTakesItsCallerFromAnotherIncident(t *testing.T) {
	for _, tt := range []struct {
		name     string
		siblings []string
		below    bool
		restart  bool
		moves    bool
	}{
		{"two callers cross with the gateway", []string{"cart", "web"}, false, false, true},
		{"restarted before the root", []string{"cart", "web"}, false, true, true},
		{"one caller crosses with it", []string{"cart"}, false, false, false},
		{"the other root below the late one", []string{"cart", "web"}, true, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.OnsetWindow = 10*time.Second, 2*time.Minute
			g := staticGraph(gatewayBetweenTwo(tt.below))
			e := New(cfg, g)
			e.Advance(t0)
			quote := e.Ingest(firing("quote", "ServiceDown", t0), t0)
			at := t0.Add(20 * time.Second)
			e.Advance(at)
			gw := e.Ingest(firing("gateway", "HighErrorRate", at), at)
			require.Equal(t, quote.IncidentID, gw.IncidentID)
			for i, svc := range tt.siblings {
				s := at.Add(time.Duration(i+1) * time.Second)
				e.Advance(s)
				e.Ingest(firing(svc, "HighErrorRate", s), s)
			}
			late := at.Add(3 * time.Minute)
			e.Advance(late.Add(-time.Second))
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}
			root := e.Ingest(firing("payment", "ServiceDown", late), late)
			e.Advance(late.Add(time.Minute))
			got := e.IncidentOf(firing("gateway", "HighErrorRate", at).Fingerprint)
			if tt.moves {
				assert.Equal(t, root.IncidentID, got)
				inc, ok := e.Incident(quote.IncidentID, late.Add(time.Minute))
				require.True(t, ok)
				assert.Equal(t, "quote", inc.RootService)
				assert.NotContains(t, inc.Services, "gateway")
			} else {
				assert.Equal(t, quote.IncidentID, got)
			}
		})
	}
}

// TestLateCallerMovesOnce: as above, the gateway's alert moves from
// quote's incident to payment's when payment alerts late. The gateway
// also calls billing, whose other callers (ledger, invoice) crossed their
// rule with it; billing alerts late ten seconds after payment. The
// gateway's alert stays with payment, the first late root that took it
// (across a restart too): an alert moves so once, or in a storm where
// every service alerts it goes back and forth between its dependencies'
// incidents.
func TestLateCallerMovesOnce(t *testing.T) {
	for _, restart := range []bool{false, true} {
		cfg := burstConfig()
		cfg.GroupWait, cfg.OnsetWindow = 10*time.Second, 2*time.Minute
		topo := gatewayBetweenTwo(false)
		topo["gateway"] = append(topo["gateway"], "billing")
		topo["ledger"], topo["invoice"] = []string{"billing"}, []string{"billing"}
		g := staticGraph(topo)
		e := New(cfg, g)
		e.Advance(t0)
		e.Ingest(firing("quote", "ServiceDown", t0), t0)
		at := t0.Add(20 * time.Second)
		e.Advance(at)
		e.Ingest(firing("gateway", "HighErrorRate", at), at)
		for i, svc := range []string{"cart", "web", "ledger", "invoice"} {
			s := at.Add(time.Duration(i+1) * time.Second)
			e.Advance(s)
			e.Ingest(firing(svc, "HighErrorRate", s), s)
		}
		late := at.Add(3 * time.Minute)
		e.Advance(late.Add(-time.Second))
		root := e.Ingest(firing("payment", "ServiceDown", late), late)
		gwFP := firing("gateway", "HighErrorRate", at).Fingerprint
		require.Equal(t, root.IncidentID, e.IncidentOf(gwFP), "restart %v", restart)
		if restart {
			e = restarted(t, e, cfg, g)
		}
		later := late.Add(10 * time.Second)
		e.Advance(later)
		billing := e.Ingest(firing("billing", "ServiceDown", later), later)
		e.Advance(later.Add(time.Minute))
		assert.Equal(t, root.IncidentID, e.IncidentOf(gwFP), "restart %v", restart)
		assert.NotEqual(t, root.IncidentID, billing.IncidentID, "restart %v", restart)
	}
}
