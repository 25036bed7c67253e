// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/processor/tailsamplerprocessor/internal/metadatatest"
)

// manyTraces builds n traces of per spans each over two services, without
// roots so that they stay pending until shutdown.
func manyTraces(n, per int) ptrace.Traces {
	var specs []spanSpec
	for tr := range n {
		for s := range per {
			svc := "a"
			if s%2 == 1 {
				svc = "b"
			}
			specs = append(specs, spanSpec{trace: byte(tr + 1), id: byte(s + 2), parent: 1, service: svc, scope: "x"})
		}
	}
	return batch(specs...)
}

// checkRequests asserts that every request is within the caps and returns
// the spans received.
func checkRequests(t *testing.T, sink *consumertest.TracesSink, maxSpans, maxBytes int) int {
	t.Helper()
	total := 0
	var m ptrace.ProtoMarshaler
	for i, td := range sink.AllTraces() {
		assert.LessOrEqual(t, td.SpanCount(), maxSpans, "request %d spans", i)
		// Stamping adds the tracestate and rule after the cap is applied.
		assert.LessOrEqual(t, m.TracesSize(td), maxBytes+td.SpanCount()*64, "request %d bytes", i)
		total += td.SpanCount()
	}
	return total
}

func TestShutdownSendsInCappedRequests(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.MaxSendSpans = 50
	cfg.MaxSendBytes = 8 << 10
	h := newHarness(t, cfg)
	h.consume(t, manyTraces(200, 6))
	h.shutdown(t)
	assert.Equal(t, 1200, checkRequests(t, h.sink, 50, 8<<10))
	assert.Greater(t, len(h.sink.AllTraces()), 1200/50)
}

func TestLargeTraceIsSplitBetweenSpans(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.MaxSendSpans = 7
	cfg.MaxSendBytes = 1 << 20
	h := newHarness(t, cfg)
	h.consume(t, manyTraces(3, 100))
	h.shutdown(t)
	assert.Equal(t, 300, checkRequests(t, h.sink, 7, 1<<20))
	got := keptTraces(h.kept())
	require.Len(t, got, 3)
	for id, n := range got {
		assert.Equal(t, 100, n, "trace %s", id)
	}
	// Every part carries the trace's threshold and rule.
	for _, s := range h.kept() {
		assert.Equal(t, "default", s.rule)
		assert.Contains(t, s.tracestate, "ot=th:")
	}
}

func TestLargeTraceIsSplitByBytes(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.MaxSendBytes = 2 << 10
	h := newHarness(t, cfg)
	h.consume(t, manyTraces(2, 120))
	h.shutdown(t)
	assert.Equal(t, 240, checkRequests(t, h.sink, cfg.MaxSendSpans, 2<<10))
}

func TestUndeliverableShutdownIsCounted(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	cfg := baseConfig(ruleDefault(nil))
	p, err := newTailSampler(metadatatest.NewSettings(tt), cfg, consumertest.NewErr(assert.AnError))
	require.NoError(t, err)
	require.NoError(t, p.ConsumeTraces(context.Background(), manyTraces(10, 3)))
	require.ErrorIs(t, p.Shutdown(context.Background()), assert.AnError)
	metadatatest.AssertEqualProcessorTailSamplerSpansUndelivered(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 30}}, metricdatatest.IgnoreTimestamp())
}

func TestSummaryLine(t *testing.T) {
	cfg := baseConfig(ruleErrors(), ruleDefault(prob(0.1)))
	cfg.RootWait = 0
	h := newHarness(t, cfg)
	var specs []spanSpec
	for i := range 200 {
		specs = append(specs, spanSpec{trace: byte(i), id: 1, service: "a", err: i%10 == 0})
	}
	h.consume(t, batch(specs...))
	h.consume(t, batch(spanSpec{trace: 0, id: 2, parent: 1, service: "a"}))
	line := h.p.summaryLine()
	kept := len(keptTraces(h.kept()))
	assert.Regexp(t, `^tail_sampler: 200 traces decided \(kept \d+: errors 20, default \d+ at 10%\); early 0; late spans 1$`, line)
	assert.Contains(t, line, fmt.Sprintf("(kept %d:", kept))
	assert.Equal(t, "tail_sampler: 0 traces decided (kept 0: errors 0, default 0 at 10%); early 0; late spans 0", h.p.summaryLine(), "counts reset")
	assert.Equal(t, "12,408", thousands(12408))
	assert.Equal(t, "1,000,000", thousands(1_000_000))
	assert.Equal(t, "999", thousands(999))
}
