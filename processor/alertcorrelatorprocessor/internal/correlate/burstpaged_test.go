package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/topology"
)

// TestBurstJoinsAPagedFaultsLateCaller, alerts only: payment fails, cart
// (one of its three direct callers) alerts 5 s later and joins it, the
// incident pages; 40 s on, three services the graph does not connect open
// alerts (a concurrent storm, a maintenance window) and checkout, another
// direct caller of payment, alerts in that burst. The paged fault predates
// the burst and its callers show it: checkout joins it as its symptom, as
// does mobile, a caller of the alerting cart (the fault's path).
// When payment's callers do not show it (cart never alerted; or payment
// itself opened in an earlier burst, so nothing held its incident), or
// the burst comes before payment's incident pages, checkout stays apart
// as the burst rule wants (TestBurstKeepsAFaultsDirectCaller's alerts-only
// row).
func TestBurstJoinsAPagedFaultsLateCaller(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{
		"web": {"checkout", "payment"}, "checkout": {"payment"}, "cart": {"payment"},
		"mobile": {"cart"}, "b1": {"y1"}, "b2": {"y2"}, "b3": {"y3"},
		"a1": {"x1"}, "a2": {"x2"}, "a3": {"x3"},
	})
	for _, tt := range []struct {
		name              string
		cart, page, burst bool
		late              string
		together          bool
	}{
		{"paged, a caller alerting", true, true, false, "checkout", true},
		{"paged, a caller's caller", true, true, false, "mobile", true},
		{"paged, no caller alerting", false, true, false, "checkout", false},
		{"paged, opened in a burst, no caller alerting", false, true, true, "checkout", false},
		{"not paged yet", true, false, false, "checkout", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := New(burstConfig(), g)
			now := t0.Add(10 * time.Minute)
			if tt.burst {
				for i, svc := range []string{"b1", "b2", "b3"} {
					at := now.Add(time.Duration(i-3) * time.Second)
					e.Ingest(firing(svc, "TargetDown", at), at)
				}
			}
			root := e.Ingest(firing("payment", "HighErrorRate", now), now)
			if tt.cart {
				at := now.Add(5 * time.Second)
				e.Ingest(firing("cart", "HighErrorRate", at), at)
			}
			at := now.Add(10 * time.Second)
			if tt.page {
				at = now.Add(40 * time.Second)
				e.Advance(at)
			}
			at, _ = burstOfThree(e, at)
			at = at.Add(2 * time.Second)
			sym := e.Ingest(firing(tt.late, "HighErrorRate", at), at)
			assert.Equal(t, tt.together, root.IncidentID == sym.IncidentID)
		})
	}
}
