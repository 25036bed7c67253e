package topology

import (
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/workload"
)

// BenchmarkLearnerObserve is the learner alone on workload traces (50
// services, client/server and producer/consumer pairs, databases; each
// trace split over 10 requests): the walk over pdata and the pairing.
func BenchmarkLearnerObserve(b *testing.B) {
	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 7, Services: 50, ErrorRatio: 0.1}).Generate(500)
	batches := workload.Split(traces, 10)
	spans := 0
	for _, td := range batches {
		spans += td.SpanCount()
	}
	l := NewLearner(New(Config{}), LearnerConfig{})
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, td := range batches {
			l.Observe(td, now)
			now = now.Add(10 * time.Millisecond)
		}
		n++
	}
	b.ReportMetric(float64(n*spans)/b.Elapsed().Seconds(), "spans/s")
}
