// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package benchmarks

// Side-by-side: Quell's slo connector against contrib's spanmetrics
// connector (v0.159.0, default dimensions) on the same generated traces,
// both as traces-to-metrics connectors. Two workloads:
//   - objectives=10: 10 services, one availability SLO per service over its
//     server spans;
//   - objectives=1000: 250 services, four SLOs per service over its server
//     spans (status Error, status code >= 500, latency over 300ms and 1s).
//
//	go test ./benchmarks -run '^$' -bench 'BenchmarkSLO' -benchtime 20x -count 6 | tee slo.txt
//	benchstat -col /impl slo.txt

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/connector/sloconnector"
	"github.com/quell-otel/quell/internal/cputime"
	"github.com/quell-otel/quell/internal/workload"
)

// sloObjectives returns perService objectives for each service.
func sloObjectives(services []string, perService int) []sloconnector.ObjectiveConfig {
	kinds := []sloconnector.SLIConfig{
		{Type: sloconnector.SLIAvailability},
		{Type: sloconnector.SLIAvailability, BadCondition: `attributes["http.response.status_code"] >= 500`},
		{Type: sloconnector.SLILatency, Threshold: 300 * time.Millisecond},
		{Type: sloconnector.SLILatency, Threshold: time.Second},
	}
	var out []sloconnector.ObjectiveConfig
	for _, svc := range services {
		for i := range perService {
			out = append(out, sloconnector.ObjectiveConfig{
				Name: fmt.Sprintf("%s-%d", svc, i), Service: svc, SpanCondition: "kind == SPAN_KIND_SERVER",
				SLI: kinds[i%len(kinds)], Objective: 99.9,
			})
		}
	}
	return out
}

func newSLOConnector(b *testing.B, objectives []sloconnector.ObjectiveConfig) connector.Traces {
	f := sloconnector.NewFactory()
	cfg := f.CreateDefaultConfig().(*sloconnector.Config)
	cfg.Objectives = objectives
	cfg.MaxObjectives = len(objectives)
	c, err := f.CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func newSpanMetricsConnector(b *testing.B) connector.Traces {
	f := spanmetricsconnector.NewFactory()
	c, err := f.CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(f.Type()), f.CreateDefaultConfig(), consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkSLO(b *testing.B) {
	for _, w := range []struct{ services, perService int }{{10, 1}, {250, 4}} {
		gen := workload.NewTraceGenerator(workload.TraceOptions{Seed: 16, Services: w.services, ErrorRatio: 0.05, SlowRatio: 0.05})
		traces := gen.Generate(1000)
		batches := workload.Split(traces, 10)
		spans := workload.Merge(traces).SpanCount()
		objectives := sloObjectives(gen.ServiceNames(), w.perService)
		for _, impl := range []string{"slo", "spanmetrics"} {
			b.Run(fmt.Sprintf("objectives=%d/impl=%s", len(objectives), impl), func(b *testing.B) {
				var c connector.Traces
				if impl == "slo" {
					c = newSLOConnector(b, objectives)
				} else {
					c = newSpanMetricsConnector(b)
				}
				benchTracesConnector(b, c, batches, spans)
			})
		}
	}
}

func benchTracesConnector(b *testing.B, c connector.Traces, batches []ptrace.Traces, spans int) {
	ctx := context.Background()
	if err := c.Start(ctx, componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Shutdown(ctx) }()
	b.ReportAllocs()
	cpu0, cpuOK := cputime.Used()
	start := time.Now()
	for b.Loop() {
		for _, td := range batches {
			if err := c.ConsumeTraces(ctx, td); err != nil {
				b.Fatal(err)
			}
		}
	}
	elapsed := time.Since(start)
	n := float64(b.N) * float64(spans)
	b.ReportMetric(float64(elapsed.Nanoseconds())/n, "ns/span")
	b.ReportMetric(n/elapsed.Seconds(), "spans/s")
	if cpu1, ok := cputime.Used(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/n, "cpu-ns/span")
	}
}
