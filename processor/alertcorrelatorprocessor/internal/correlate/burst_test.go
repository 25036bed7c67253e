package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
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

// TestBurstNotJoinedByQuietDependency: a maintenance-like burst on four
// services that share only a dependency, db, then an alert on db. Without
// traces db's alert connects them (it is their common dependency) and
// unites their incidents. With traces showing db quiet (well observed,
// nothing failing around it), and a fault elsewhere in the storm (so they
// speak: informative.go), it explains none of their onsets: all five stay
// apart. With db's spans failing on their own it is a fault's root
// and gathers them as before.
func TestBurstNotJoinedByQuietDependency(t *testing.T) {
	callers := []string{"a1", "a2", "a3", "a4"}
	g := topology.New(topology.Config{})
	deps := map[string][]string{}
	for _, c := range callers {
		deps[c] = []string{"db"}
	}
	g.AddStatic(deps)
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name      string
		traces    bool
		dbFail    func(uint64) bool
		incidents int
	}{
		{"alerts only", false, nil, 1},
		{"traces, db quiet", true, nil, 5 + 1},
		{"traces, db failing", true, odd, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			now := t0.Add(10 * time.Minute)
			if tt.traces {
				tr := evidence.New(evidence.Config{})
				cfg.Evidence = tr
				// A healthy baseline, then the minute before the alerts.
				for i, c := range callers {
					observe(tr, []string{c, "db"}, now.Add(-time.Minute), uint64(1000*i), nil)
					observe(tr, []string{c, "db"}, now, uint64(1000*i+500), tt.dbFail)
				}
			}
			e := New(cfg, g)
			if tt.dbFail == nil && tt.traces {
				// A fault the spans show elsewhere: they speak (one
				// incident more, search's).
				originElsewhere(e, cfg.Evidence, now)
			}
			at := now
			for _, c := range callers {
				at = at.Add(time.Second)
				e.Ingest(firing(c, "TargetDown", at), at)
			}
			at = at.Add(2 * time.Second)
			e.Ingest(firing("db", "TargetDown", at), at)
			_, incidents := e.Sizes()
			assert.Equal(t, tt.incidents, incidents)
		})
	}
}
