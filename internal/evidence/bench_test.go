package evidence

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/internal/workload"
)

// BenchmarkTrackerMemory reports the heap held per tracked service and
// per tracked edge (default window: six buckets), each fed one timed span
// (so with its latency windows: a service's durations and self times, an
// edge's call durations).
func BenchmarkTrackerMemory(b *testing.B) {
	const services, fanout = 2000, 5
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tr := New(Config{})
		bk := bucketOf(time.Unix(1e9, 0), tr.cfg.Bucket)
		tr.mu.Lock()
		for i := range services {
			name := fmt.Sprintf("svc-%04d", i)
			tr.addOrigin(name, true, false, 10*time.Millisecond, 5*time.Millisecond, pcommon.TraceID{1}, bk)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perService := float64(after.HeapAlloc-before.HeapAlloc) / services
		mid := after.HeapAlloc
		for i := range services {
			for j := 1; j <= fanout; j++ {
				tr.addEdge(fmt.Sprintf("svc-%04d", i), fmt.Sprintf("svc-%04d", (i+j)%services), false, 10*time.Millisecond, pcommon.TraceID{1}, bk)
			}
		}
		tr.mu.Unlock()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(perService, "B/service")
		b.ReportMetric(float64(after.HeapAlloc-mid)/(services*fanout), "B/edge")
		runtime.KeepAlive(tr)
	}
}

// BenchmarkObserve is the tracker's cost per span: the one walk over
// pdata, the batch's index and self times, and the windows, on workload
// traces (50 services, each trace split over 10 requests).
func BenchmarkObserve(b *testing.B) {
	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 7, Services: 50}).Generate(500)
	batches := workload.Split(traces, 10)
	spans := 0
	for _, td := range batches {
		spans += td.SpanCount()
	}
	tr := New(Config{})
	var pool BatchPool
	at := time.Unix(1e9, 0)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, td := range batches {
			batch := pool.Get()
			topology.Walk(td, batch)
			tr.ObserveBatch(batch, at)
			pool.Put(batch)
		}
		at = at.Add(time.Second)
		n++
	}
	b.ReportMetric(float64(n*spans)/b.Elapsed().Seconds(), "spans/s")
}
