package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// BenchmarkAwaitsCause measures one reading of the evidence for the wait
// (await.go; made at most once a second per incident pending past
// group_wait) for every incident: a 500-service
// scale-free graph (hubs: a root reaches many services within max_hops)
// observed through workload traces, a tenth of its services failing on
// their own, and one pending alert per service.
func BenchmarkAwaitsCause(b *testing.B) {
	topo := alertscenario.ScaleFree(500, 7)
	g := topology.New(topology.Config{})
	g.AddStatic(topo.Services)
	tr := evidence.New(evidence.Config{})
	now := t0.Add(10 * time.Minute)
	healthy := alertscenario.Traces(topo, 600, 7)
	for i, td := range healthy {
		at := now.Add(time.Duration(i-len(healthy)) * 100 * time.Millisecond)
		tr.Observe(td, at)
	}
	nodes := topo.Nodes()
	for i, svc := range nodes {
		if i%10 == 0 {
			for s := range 6 {
				at := now.Add(time.Duration(s-6) * 5 * time.Second)
				tr.Observe(alertscenario.ChainTraces([]string{svc}, 4, uint64(100000+1000*i+8*s), at, func(k uint64) bool { return k%2 == 1 }), at)
			}
		}
	}
	cfg := testConfig()
	cfg.Evidence = tr
	cfg.OnsetWindow = time.Millisecond // every alert an incident of its own
	e := New(cfg, g)
	for i, svc := range nodes {
		if i%10 != 0 {
			at := now.Add(time.Duration(i) * 10 * time.Millisecond)
			e.Ingest(firing(svc, fmt.Sprintf("E%d", i), at), at)
		}
	}
	later := now.Add(cfg.GroupWait + 10*time.Second)
	e.now = later
	waiting := 0
	for _, inc := range e.incidents {
		if e.causeOutside(inc, later) {
			waiting++
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, inc := range e.incidents {
			e.causeOutside(inc, later)
		}
	}
	b.ReportMetric(float64(len(e.incidents)), "incidents")
	b.ReportMetric(float64(waiting), "waiting")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(e.incidents)), "ns/incident")
}
