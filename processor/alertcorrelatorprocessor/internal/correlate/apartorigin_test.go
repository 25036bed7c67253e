package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// TestApartOriginTakesItsCaller: cart calls payment and shipping; web
// calls payment. Errors originate in payment (web's calls fail there) and
// in shipping. Cart's alert joins payment's incident, shipping's not yet
// alerting. Once shipping alerts, its origin takes cart's alert: cart's
// calls fail toward shipping and not toward payment, and neither origin's
// calls lead to the other. Where cart's calls fail toward payment too (a
// shared caller failing toward both), cart stays with payment.
func TestApartOriginTakesItsCaller(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name        string
		cartPayment func(uint64) bool
		moves       bool
	}{
		{"cart fails toward shipping only", nil, true},
		{"cart fails toward both", odd, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := topology.New(topology.Config{})
			g.AddStatic(map[string][]string{"web": {"payment"}, "cart": {"payment", "shipping"}})
			e, tr := tracedEngine(g)
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"web", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"cart", "payment"}, now.Add(-time.Minute), 1000, nil)
			observe(tr, []string{"cart", "shipping"}, now.Add(-time.Minute), 2000, nil)
			observe(tr, []string{"web", "payment"}, now, 3000, odd)
			observe(tr, []string{"cart", "payment"}, now, 4000, tt.cartPayment)
			observe(tr, []string{"cart", "shipping"}, now, 5000, odd)

			pay := e.Ingest(firing("payment", "Errors", now.Add(-50*time.Second)), now.Add(-50*time.Second))
			cart := e.Ingest(firing("cart", "Errors", now.Add(-45*time.Second)), now.Add(-45*time.Second))
			require.Equal(t, pay.IncidentID, cart.IncidentID)
			ship := e.Ingest(firing("shipping", "Errors", now), now)
			require.NotEqual(t, pay.IncidentID, ship.IncidentID)
			e.Advance(now.Add(2 * time.Second))

			want := pay.IncidentID
			if tt.moves {
				want = ship.IncidentID
			}
			assert.Equal(t, want, e.IncidentOf(firing("cart", "Errors", now).Fingerprint))
			assert.Equal(t, pay.IncidentID, e.IncidentOf(firing("payment", "Errors", now).Fingerprint))
		})
	}
}
