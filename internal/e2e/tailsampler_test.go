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

const tracesDecidedMetric = "otelcol_processor_tail_sampler_traces_decided"

// TestTwoTierTailSampler runs config/two-tier-balancer.yaml in front of three
// config/two-tier-sampler.yaml replicas running tail_sampler. The spans of
// every trace are spread over three requests sent concurrently by three
// senders. Every trace must be decided exactly once across the replicas (the
// sum of their decision counters equals the traces sent, with no late
// spans), every error and slow trace must be kept, and every kept trace must
// arrive complete with its sampling threshold. The replicas' topology
// summaries go to a sink standing in for the alerts collector, set
// explicitly (the default port may be anything's on a shared machine), and
// no replica logs an export failure.
func TestTwoTierTailSampler(t *testing.T) {
	backend := StartSink(t)
	alerts := StartSink(t)
	balancer, replicas := startTwoTier(t, backend.Port(), alerts.Port(), 4*time.Second)

	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 17, ErrorRatio: 0.1, SlowRatio: 0.05}).Generate(600)
	mustKeep := map[pcommon.TraceID]int{}
	spansOf := map[pcommon.TraceID]int{}
	for _, tr := range traces {
		spansOf[tr.ID] = tr.SpanCount
		if tr.Error || tr.Slow {
			mustKeep[tr.ID] = tr.SpanCount
		}
	}
	mustSpans := 0
	for _, n := range mustKeep {
		mustSpans += n
	}

	// Three senders, each with its own connection, send their part at once.
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, td := range workload.Split(traces, 3) {
		wg.Add(1)
		go func(td ptrace.Traces) {
			defer wg.Done()
			c, err := workload.NewClient(balancer.Addr("OTLP_GRPC"))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			errs <- c.SendTraces(ctx, td)
		}(td)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	decided := func() (total float64, per []float64) {
		for _, r := range replicas {
			v := r.MetricValue(t, tracesDecidedMetric, nil)
			per = append(per, v)
			total += v
		}
		return total, per
	}
	require.Eventually(t, func() bool { total, _ := decided(); return total >= float64(len(traces)) },
		60*time.Second, 250*time.Millisecond, "replicas did not decide every trace")
	backend.WaitSpans(t, mustSpans, 30*time.Second)
	// Let the batch processors flush the last kept traces.
	time.Sleep(2 * time.Second)

	total, per := decided()
	assert.InDelta(t, float64(len(traces)), total, 0, "every trace decided exactly once across replicas: %v", per)
	for i, v := range per {
		assert.Positive(t, v, "replica %d decided nothing", i+1)
		assert.Zero(t, replicas[i].MetricValue(t, "otelcol_processor_tail_sampler_late_spans", nil), "replica %d saw late spans", i+1)
	}

	// Every kept trace arrives complete, every span with its threshold.
	got := map[pcommon.TraceID]int{}
	for _, td := range backend.Traces() {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			sss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					sp := spans.At(k)
					got[sp.TraceID()]++
					assert.Contains(t, sp.TraceState().AsRaw(), "ot=th:")
					_, ok := sp.Attributes().Get("sampling.rule")
					assert.True(t, ok, "kept span without sampling.rule")
				}
			}
		}
	}
	for id, n := range got {
		assert.Equal(t, spansOf[id], n, "kept trace %s incomplete", id)
	}
	for id := range mustKeep {
		_, ok := got[id]
		assert.True(t, ok, "error/slow trace %s not kept", id)
	}
	normal := len(traces) - len(mustKeep)
	keptNormal := len(got) - len(mustKeep)
	assert.Less(t, keptNormal, normal/4, "the rest is kept at about 10%%")
	t.Logf("decided per replica %v; kept %d of %d traces (%d error/slow)", per, len(got), len(traces), len(mustKeep))

	require.Eventually(t, func() bool { return len(alerts.Metrics()) > 0 },
		30*time.Second, 250*time.Millisecond, "no topology summary reached the alerts port")
	for i, r := range replicas {
		assert.NotContains(t, r.Output(), "Exporting failed", "replica %d", i+1)
	}

	balancer.Stop(t)
	for _, r := range replicas {
		r.Stop(t)
	}
}
