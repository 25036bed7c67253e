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

const (
	// overloadBudget is max_buffered_bytes in
	// TestTailSamplerOverloadKeepsErrorTraces, as in the repro.
	overloadBudget = 8 << 20
	// overloadPeakRSS is the stated bound on the collector's peak RSS there
	// (the binary alone idles at about 60 MiB).
	overloadPeakRSS = 300 << 20
)

// TestTailSamplerOverloadKeepsErrorTraces is the repro: 100,000
// traces (seed 7, 10% error traces, about 1.6M spans) from four concurrent
// senders into a tail_sampler limited to 8 MiB, at least 10x less than what
// is sent. Both waits are longer than the run, so every decision while it
// runs is a memory-pressure one, whatever the machine's speed. Each trace's
// spans arrive in two requests, except in error traces: their root and
// error spans arrive 5,000 traces after the rest, as when a failing call
// times out and ends after everything else. A trace decided early before
// its error span arrives is dropped by the 10% rule and loses the error.
//
// At least 99.5% of error traces must arrive complete, early decisions must
// be counted, and peak RSS stays within overloadPeakRSS. Before the
// pressure order looked at roots (oldest first, errors last), the waiting
// error traces were the oldest and were decided first: most were lost.
func TestTailSamplerOverloadKeepsErrorTraces(t *testing.T) {
	sink := StartSink(t)
	c := Start(t, Options{
		Configs: []string{"internal/e2e/testdata/tailsampler-overload.yaml"},
		Env: map[string]string{
			"QUELL_MAX_BUFFERED":  "8388608", // 8 MiB
			"QUELL_DECISION_WAIT": "10m",
			"QUELL_ROOT_WAIT":     "5m",
		},
		Sink: sink,
	})
	errorSpans, sent := sendLateErrors(t, c.Addr("OTLP_GRPC"), 100_000, 4, 50)
	require.GreaterOrEqual(t, sent, 10*overloadBudget, "the scenario needs 10x the budget")

	rss, err := c.PeakRSS()
	require.NoError(t, err)
	early := c.MetricValue(t, "otelcol_processor_tail_sampler_early_decisions", nil)
	partial := c.MetricValue(t, "otelcol_processor_tail_sampler_partial_traces", nil)
	c.Stop(t) // decides what is still pending and sends it

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
	t.Logf("sent %d MiB (%.0fx the budget); error traces complete: %d of %d (%.2f%%); early decisions %.0f; partial traces %.0f; peak RSS %d MiB",
		sent>>20, float64(sent)/overloadBudget, complete, len(errorSpans), 100*share, early, partial, rss>>20)
	assert.Positive(t, early, "the buffer was 10x over budget: early decisions are counted")
	assert.GreaterOrEqual(t, share, 0.995, "error traces arrive complete")
	assert.Less(t, rss, int64(overloadPeakRSS), "peak RSS")
}

// sendLateErrors sends n traces in batches of 100 through senders
// concurrent connections. Each batch is split in two requests, without the
// root and error spans of its error traces, which follow in one request
// lateBatches batches later. It returns the span count of every error
// trace and the OTLP bytes sent.
func sendLateErrors(t *testing.T, addr string, n, senders, lateBatches int) (map[pcommon.TraceID]int, int) {
	t.Helper()
	reqs, wait := startSenders(t, addr, senders)
	var sizer ptrace.ProtoMarshaler
	sent := 0
	send := func(td ptrace.Traces) {
		if td.SpanCount() > 0 {
			sent += sizer.TracesSize(td)
			reqs <- td
		}
	}
	gen := workload.NewTraceGenerator(workload.TraceOptions{Seed: 7, ErrorRatio: 0.1, SlowRatio: 0.05, Start: time.Now().Add(-time.Minute)})
	errorSpans := map[pcommon.TraceID]int{}
	var late [][]workload.Trace // per batch, oldest first
	for done := 0; done < n; done += 100 {
		var now, later []workload.Trace
		for _, tr := range gen.Generate(100) {
			if !tr.Error {
				now = append(now, tr)
				continue
			}
			errorSpans[tr.ID] = tr.SpanCount
			first, last := lateParts(tr)
			now, later = append(now, first), append(later, last)
		}
		for _, td := range workload.Split(now, 2) {
			send(td)
		}
		if late = append(late, later); len(late) > lateBatches {
			send(workload.Merge(late[0]))
			late = late[1:]
		}
	}
	for _, l := range late {
		send(workload.Merge(l))
	}
	close(reqs)
	wait()
	return errorSpans, sent
}

// lateParts splits tr in two: its root and error spans, which a failing
// call that times out ends (and exports) after the rest, and the rest.
func lateParts(tr workload.Trace) (first, last workload.Trace) {
	isLate := func(sp ptrace.Span) bool {
		return sp.ParentSpanID().IsEmpty() || sp.Status().Code() == ptrace.StatusCodeError
	}
	first, last = tr, tr
	first.Spans, last.Spans = ptrace.NewTraces(), ptrace.NewTraces()
	tr.Spans.CopyTo(first.Spans)
	tr.Spans.CopyTo(last.Spans)
	removeSpans(first.Spans, isLate)
	removeSpans(last.Spans, func(sp ptrace.Span) bool { return !isLate(sp) })
	first.SpanCount, last.SpanCount = first.Spans.SpanCount(), last.Spans.SpanCount()
	return first, last
}

// removeSpans removes the spans of td for which drop is true, and the
// scopes and resources left empty.
func removeSpans(td ptrace.Traces, drop func(ptrace.Span) bool) {
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(drop)
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
}

// startSenders starts senders goroutines, each with its own connection,
// sending what arrives on the returned channel. Close the channel, then
// call wait, which fails the test on any send error.
func startSenders(t *testing.T, addr string, senders int) (chan<- ptrace.Traces, func()) {
	t.Helper()
	reqs := make(chan ptrace.Traces, senders*2)
	errs := make(chan error, senders)
	var wg sync.WaitGroup
	var clients []*workload.Client
	for range senders {
		client, err := workload.NewClient(addr)
		require.NoError(t, err)
		clients = append(clients, client)
		wg.Go(func() {
			for td := range reqs {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if err := client.SendTraces(ctx, td); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
				cancel()
			}
		})
	}
	return reqs, func() {
		wg.Wait()
		for _, c := range clients {
			_ = c.Close()
		}
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
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
