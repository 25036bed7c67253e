//go:build unix

package topologyconnector

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/connector/topologyconnector/internal/metadatatest"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/summaryconv"
)

// cpuSeconds is the CPU time (user and system, every thread) the process
// has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func benchConnector(b *testing.B) *summaryConnector {
	tel := componenttest.NewTelemetry()
	b.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	c, err := newConnector(metadatatest.NewSettings(tel), createDefaultConfig().(*Config), consumertest.NewNop(), (&clock{at: t0}).now)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkConnector: "observe" is the cost per span of learning and
// counting (100 traces of a 5-service chain per batch, 10% failing; its
// spans/cpu-s charges the process's CPU time, GC workers included, and
// moves less with a shared machine's load than spans/s); "memory" is the
// heap one interval holds per service and edge seen (a 2000-service chain:
// the observer's graph plus the interval's counts);
// "summary" is the OTLP size of one interval's summary of that chain, per
// service and edge.
func BenchmarkConnector(b *testing.B) {
	b.Run("observe", func(b *testing.B) {
		c := benchConnector(b)
		svc := []string{"frontend", "checkout", "cart", "payment", "ledger"}
		var batches []ptrace.Traces
		for i := range 64 {
			batches = append(batches, alertscenario.ChainTraces(svc, 100, uint64(i*100), t0, func(k uint64) bool { return k%10 == 0 }))
		}
		spans := 0
		b.ReportAllocs()
		cpuStart := cpuSeconds()
		for i := 0; b.Loop(); i++ {
			td := batches[i%len(batches)]
			spans += td.SpanCount()
			_ = c.ConsumeTraces(context.Background(), td)
		}
		b.ReportMetric(float64(spans)/b.Elapsed().Seconds(), "spans/s")
		if cpu := cpuSeconds() - cpuStart; cpu > 0 {
			b.ReportMetric(float64(spans)/cpu, "spans/cpu-s")
		}
	})
	b.Run("memory", func(b *testing.B) {
		const n = 2000
		chain := make([]string, n)
		for i := range chain {
			chain[i] = fmt.Sprintf("svc-%04d", i)
		}
		td := alertscenario.ChainTraces(chain, 1, 0, t0, nil)
		for b.Loop() {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			c := benchConnector(b)
			_ = c.ConsumeTraces(context.Background(), td)
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/service+edge")
			runtime.KeepAlive(c)
		}
	})
	b.Run("summary", func(b *testing.B) {
		const n = 2000
		chain := make([]string, n)
		for i := range chain {
			chain[i] = fmt.Sprintf("svc-%04d", i)
		}
		// Every call fails at the end of the chain: each service has
		// spans, the last has origins and exemplars.
		td := alertscenario.ChainTraces(chain, 3, 0, t0, func(uint64) bool { return true })
		c := benchConnector(b)
		var size int
		for b.Loop() {
			_ = c.ConsumeTraces(context.Background(), td)
			md := pmetric.NewMetrics()
			summaryconv.Append(md, c.take(context.Background()))
			size = (&pmetric.ProtoMarshaler{}).MetricsSize(md)
		}
		b.ReportMetric(float64(size)/n, "wire-B/service+edge")
	})
}
