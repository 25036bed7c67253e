package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/workload"
)

// TestTailSamplerShutdownDeliversEveryPendingSpan holds 10,000 traces (over
// 150k spans) in tail_sampler until SIGTERM. The next hop is a gRPC receiver
// with default limits (4 MiB per message). Every span must arrive, the exit
// must be 0, and nothing may be counted undelivered. Before sends were
// capped, each shard's pending traces went out as one request of 10+ MiB,
// which the next hop refused, and the collector still exited 0.
func TestTailSamplerShutdownDeliversEveryPendingSpan(t *testing.T) {
	sink := StartSink(t)
	c := Start(t, Options{Configs: []string{"internal/e2e/testdata/tailsampler-shutdown.yaml"}, Sink: sink})

	const traces = 10_000
	gen := workload.NewTraceGenerator(workload.TraceOptions{Seed: 11, ErrorRatio: 0.05})
	client, err := workload.NewClient(c.Addr("OTLP_GRPC"))
	require.NoError(t, err)
	defer func() { _ = client.Close() }()
	sent := 0
	for done := 0; done < traces; done += 250 {
		batch := gen.Generate(250)
		for _, tr := range batch {
			sent += tr.SpanCount
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		require.NoError(t, client.SendTraces(ctx, workload.Merge(batch)))
		cancel()
	}
	require.GreaterOrEqual(t, sent, 150_000, "the scenario needs 150k+ pending spans")

	require.Eventually(t, func() bool {
		return c.MetricValue(t, "otelcol_processor_tail_sampler_buffered_traces", nil) == traces
	}, 60*time.Second, 250*time.Millisecond, "tail_sampler did not buffer every trace")
	assert.Zero(t, sink.SpanCount(), "nothing is decided before shutdown")

	c.Stop(t) // SIGTERM; fails the test unless the exit is 0
	assert.Equal(t, sent, sink.SpanCount(), "every pending span arrives at the next hop")
	assert.NotContains(t, c.Output(), "could not be delivered")
	assert.NotContains(t, c.Output(), "ResourceExhausted")
}
