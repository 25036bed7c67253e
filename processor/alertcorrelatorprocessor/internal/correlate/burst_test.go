package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func burstConfig() Config {
	c := testConfig()
	c.Burst = BurstConfig{Window: 30 * time.Second, MinGroups: 4}
	return c
}

// A maintenance-like burst: alerts open on many services the graph does
// not connect within seconds; cart and valkey (cart calls valkey) are two
// more of them, not one fault.
func TestBurstKeepsAdjacentOnsetsApart(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := testConfig()
		if on {
			cfg = burstConfig()
		}
		e := New(cfg, demoGraph(t))
		for i, svc := range []string{"currency", "quote", "email", "image-provider", "cart", "valkey"} {
			at := t0.Add(time.Duration(i) * time.Second)
			e.Ingest(firing(svc, "TargetDown", at), at)
		}
		cart := e.IncidentOf(firing("cart", "TargetDown", t0).Fingerprint)
		valkey := e.IncidentOf(firing("valkey", "TargetDown", t0).Fingerprint)
		if on {
			assert.NotEqual(t, cart, valkey, "burst on: cart and valkey apart")
		} else {
			assert.Equal(t, cart, valkey, "burst off: adjacency and time join them")
		}
	}
}

// One fault's alerts are connected: callers of a failing dependency
// alerting together are no burst, whether the dependency alerts first or
// last (retry storm).
func TestBurstLeavesOneFaultTogether(t *testing.T) {
	callers := []string{"ad", "payment", "product-catalog", "fraud-detection", "cart"}
	for _, rootFirst := range []bool{true, false} {
		e := New(burstConfig(), demoGraph(t))
		at := t0
		if rootFirst {
			e.Ingest(firing("flagd", "ServiceDown", at), at)
		}
		for _, svc := range callers {
			at = at.Add(2 * time.Second)
			e.Ingest(firing(svc, "HighErrorRate", at), at)
		}
		if !rootFirst {
			at = at.Add(10 * time.Second)
			e.Ingest(firing("flagd", "ServiceDown", at), at)
		}
		root := e.IncidentOf(firing("flagd", "ServiceDown", t0).Fingerprint)
		for _, svc := range callers {
			assert.Equal(t, root, e.IncidentOf(firing(svc, "HighErrorRate", t0).Fingerprint), "root first %v: %s", rootFirst, svc)
		}
		_, incidents := e.Sizes()
		assert.Equal(t, 1, incidents, "root first %v", rootFirst)
	}
}
