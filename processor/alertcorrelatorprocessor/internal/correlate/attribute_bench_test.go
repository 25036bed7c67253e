package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// BenchmarkAttributeToOrigins measures one reading of the queue of new
// alerts as possible origins (what Advance does at most once a second
// while traces arrive): alerts on a chain of 200 services, a tenth of
// them failing on their own, with the queue full of alerts in their
// first evidence window.
func BenchmarkAttributeToOrigins(b *testing.B) {
	for _, alerts := range []int{200, 1000, maxRechecks} {
		b.Run(fmt.Sprintf("alerts=%d", alerts), func(b *testing.B) {
			const services = 200
			name := func(i int) string { return fmt.Sprintf("svc-%03d", i%services) }
			edges := map[string][]string{}
			for i := range services - 1 {
				edges[name(i)] = []string{name(i + 1)}
			}
			g := topology.New(topology.Config{})
			g.AddStatic(edges)
			tr := evidence.New(evidence.Config{})
			now := t0.Add(10 * time.Minute)
			for i := 0; i+2 < services; i++ {
				var fail func(uint64) bool
				if i%10 == 0 {
					fail = func(k uint64) bool { return k%2 == 1 }
				}
				for s := range 12 {
					at := now.Add(time.Duration(s-12) * 5 * time.Second)
					tr.Observe(alertscenario.ChainTraces([]string{name(i), name(i + 1), name(i + 2)}, 2, uint64(1000*i+2*s), at, fail), at)
				}
			}
			cfg := testConfig()
			cfg.Evidence = tr
			e := New(cfg, g)
			for i := range alerts {
				e.Ingest(firing(name(i), fmt.Sprintf("E%d", i/services), now), now)
			}
			b.ReportAllocs()
			for b.Loop() {
				e.lastAttributed = time.Time{}
				e.attributeToOrigins(now)
			}
			b.ReportMetric(float64(len(e.origins)), "queued")
		})
	}
}
