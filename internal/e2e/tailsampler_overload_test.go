package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/workload"
)

// overloadPeakRSS is the stated bound on the collector's peak RSS in
// TestTailSamplerOverloadKeepsErrorTraces (a 4 MiB buffer under 10x its
// load; the binary alone idles at about 60 MiB).
const overloadPeakRSS = 300 << 20

// TestTailSamplerOverloadKeepsErrorTraces sends 10,000 traces (about 165k
// spans, ~40 MB buffered in full) into a tail_sampler limited to 4 MiB, as
// quell-loadgen does: each batch of 100 traces split in two requests, sent
// by four concurrent senders. At least 99.5% of error traces must arrive
// complete, early decisions must be counted, and peak RSS stays within
// overloadPeakRSS.
func TestTailSamplerOverloadKeepsErrorTraces(t *testing.T) {
	sink := StartSink(t)
	c := Start(t, Options{
		Configs: []string{"internal/e2e/testdata/tailsampler-overload.yaml"},
		Env:     map[string]string{"QUELL_MAX_BUFFERED": "4MiB"},
		Sink:    sink,
	})
	errorSpans := sendSplit(t, c.Addr("OTLP_GRPC"), 10_000, 4)

	require.Eventually(t, func() bool {
		return c.MetricValue(t, "otelcol_processor_tail_sampler_buffered_traces", nil) == 0
	}, 90*time.Second, 250*time.Millisecond, "tail_sampler did not decide every trace")
	rss, err := c.PeakRSS()
	require.NoError(t, err)
	early := c.MetricValue(t, "otelcol_processor_tail_sampler_early_decisions", nil)
	partial := c.MetricValue(t, "otelcol_processor_tail_sampler_partial_traces", nil)
	c.Stop(t)

	got := map[pcommon.TraceID]int{}
	for _, td := range sink.Traces() {
		forEachSpan(td, func(sp ptrace.Span) { got[sp.TraceID()]++ })
	}
	complete := 0
	for id, n := range errorSpans {
		if got[id] == n {
			complete++
		}
	}
	share := float64(complete) / float64(len(errorSpans))
	t.Logf("error traces complete: %d of %d (%.2f%%); early decisions %.0f; partial traces %.0f; peak RSS %d MiB",
		complete, len(errorSpans), 100*share, early, partial, rss>>20)
	assert.Positive(t, early, "the buffer was 10x over budget: early decisions are counted")
	assert.GreaterOrEqual(t, share, 0.995, "error traces arrive complete")
	assert.Less(t, rss, int64(overloadPeakRSS), "peak RSS")
}

// sendSplit sends n traces in batches of 100, each split in two requests,
// through senders concurrent connections. It returns the span count of
// every error trace.
func sendSplit(t *testing.T, addr string, n, senders int) map[pcommon.TraceID]int {
	t.Helper()
	reqs := make(chan ptrace.Traces, senders*2)
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for range senders {
		client, err := workload.NewClient(addr)
		require.NoError(t, err)
		defer func() { _ = client.Close() }()
		wg.Go(func() {
			for td := range reqs {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if err := client.SendTraces(ctx, td); err != nil {
					errs <- err
				}
				cancel()
			}
		})
	}
	gen := workload.NewTraceGenerator(workload.TraceOptions{Seed: 7, ErrorRatio: 0.1, SlowRatio: 0.05, Start: time.Now().Add(-time.Minute)})
	errorSpans := map[pcommon.TraceID]int{}
	for done := 0; done < n; done += 100 {
		batch := gen.Generate(100)
		for _, tr := range batch {
			if tr.Error {
				errorSpans[tr.ID] = tr.SpanCount
			}
		}
		for _, td := range workload.Split(batch, 2) {
			reqs <- td
		}
	}
	close(reqs)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	return errorSpans
}

// forEachSpan calls f on every span of td.
func forEachSpan(td ptrace.Traces, f func(ptrace.Span)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				f(spans.At(k))
			}
		}
	}
}
