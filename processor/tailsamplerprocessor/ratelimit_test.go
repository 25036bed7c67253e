// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/processor/tailsamplerprocessor/internal/metadatatest"
)

const (
	rHigh = uint64(1)<<56 - 1 // passes every threshold below never-sample
	rLow  = uint64(0)         // passes only th:0
)

// spanTrace is one trace of n spans in one batch, the root last.
func spanTrace(id pcommon.TraceID, n int, service string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("s")
	for i := n; i >= 1; i-- {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(id)
		sp.SetSpanID(pcommon.SpanID{byte(i)})
		if i > 1 {
			sp.SetParentSpanID(pcommon.SpanID{1})
		}
		sp.SetName("op")
		sp.SetStartTimestamp(pcommon.Timestamp(t0))
		sp.SetEndTimestamp(pcommon.Timestamp(t0 + int64(time.Millisecond)))
	}
	return td
}

func ruleCapped(rl RateLimitConfig, p *float64) RuleConfig {
	return RuleConfig{Name: "capped", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Probability: p, RateLimit: &rl}
}

func thOf(t *testing.T, p float64) string {
	t.Helper()
	if p >= 1 {
		return "ot=th:0"
	}
	th, err := sampling.ProbabilityToThreshold(p)
	require.NoError(t, err)
	return "ot=th:" + th.TValue()
}

// keptThresholds maps each kept trace to the tracestate of its spans (all
// spans of a trace must agree).
func keptThresholds(t *testing.T, h *harness) map[pcommon.TraceID]string {
	t.Helper()
	out := map[pcommon.TraceID]string{}
	for _, s := range h.kept() {
		if prev, ok := out[s.trace]; ok {
			require.Equal(t, prev, s.tracestate)
		}
		out[s.trace] = s.tracestate
		assert.Equal(t, "capped", s.rule)
	}
	return out
}

// TestRateLimitSpansExact walks the limiter by hand: 10 spans/s, a bucket
// of 20 spans, traces of 5 spans. The probability is the budget aimed at,
// 10 x (0.5 + tokens/20), over the rule's rate (the larger of the moving
// average and this second's count, this trace included).
func TestRateLimitSpansExact(t *testing.T) {
	cfg := baseConfig(ruleCapped(RateLimitConfig{SpansPerSecond: 10, BurstCapacity: 20}, nil))
	cfg.NumShards = 1
	cfg.RootWait = 0
	h := newHarness(t, cfg)
	id := func(n uint64, r uint64) pcommon.TraceID { return traceIDWithRandomness(n, r) }
	send := func(at time.Duration, tid pcommon.TraceID) {
		h.now = t0 + int64(at)
		h.consume(t, spanTrace(tid, 5, "a"))
	}
	// Second 0. Tokens 20, 15, 10, 5, 0 before each trace; count 5 .. 30.
	send(0, id(1, rHigh)) // 15/5 -> 1: kept, tokens 15
	send(0, id(2, rHigh)) // 12.5/10 -> 1: kept, tokens 10
	send(0, id(3, rHigh)) // 10/15: kept at 2/3, tokens 5
	send(0, id(4, rHigh)) // 7.5/20: kept at 0.375, tokens 0
	send(0, id(5, rHigh)) // 5/25: passes 0.2, refused by the empty bucket
	send(0, id(6, rLow))  // 5/30: fails its threshold (not a refusal)
	// Second 1: 10 tokens back; average 0.5 x 30 = 15 spans/s.
	send(time.Second, id(7, rHigh)) // 10/15: kept at 2/3, tokens 5
	// Second 3: bucket full again; average 0.5 x 5 + 0.5 x 15 = 10, then
	// one idle second halves it to 5.
	send(3*time.Second, id(8, rHigh)) // 15/5 -> 1: kept at th:0
	send(3*time.Second, id(9, rLow))  // 12.5/10 -> 1: kept at th:0 whatever its randomness

	h.shutdown(t)
	assert.Equal(t, map[pcommon.TraceID]string{
		id(1, rHigh): "ot=th:0",
		id(2, rHigh): "ot=th:0",
		id(3, rHigh): thOf(t, 10.0/15),
		id(4, rHigh): thOf(t, 7.5/20),
		id(7, rHigh): thOf(t, 10.0/15),
		id(8, rHigh): "ot=th:0",
		id(9, rLow):  "ot=th:0",
	}, keptThresholds(t, h))
	assert.Equal(t, 35, h.sink.SpanCount())
	metadatatest.AssertEqualProcessorTailSamplerRateLimited(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", "capped"))},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorTailSamplerTracesDecided(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 7, Attributes: attribute.NewSet(attribute.String("rule", "capped"), attribute.String("decision", "kept"), attribute.String("trigger", "root"))},
		{Value: 2, Attributes: attribute.NewSet(attribute.String("rule", "capped"), attribute.String("decision", "dropped"), attribute.String("trigger", "root"))},
	}, metricdatatest.IgnoreTimestamp())
}

// TestRateLimitBytesCostIsTheOTLPSize: a trace's cost is its OTLP protobuf
// size, so a bucket of exactly that size keeps it and one byte less never
// does. pdata's marshaller also writes empty fields that the encoding
// omits (an empty status on every span, an empty parent span ID on the
// root: 2 bytes each), so the cost is that much under pdata's TracesSize.
func TestRateLimitBytesCostIsTheOTLPSize(t *testing.T) {
	td := spanTrace(traceIDWithRandomness(1, rHigh), 4, "bytes")
	size := int64((&ptrace.ProtoMarshaler{}).TracesSize(td)) - 4*2 - 2
	for _, tc := range []struct {
		burst int64
		kept  int
	}{{size, 4}, {size - 1, 0}} {
		cfg := baseConfig(ruleCapped(RateLimitConfig{BytesPerSecond: size, BurstCapacity: tc.burst}, nil))
		cfg.NumShards = 1
		cfg.RootWait = 0
		h := newHarness(t, cfg)
		in := ptrace.NewTraces()
		td.CopyTo(in)
		h.consume(t, in)
		h.shutdown(t)
		assert.Equal(t, tc.kept, h.sink.SpanCount(), "burst %d for a trace of %d bytes", tc.burst, size)
	}
}

// TestRateLimitWithProbability: the rule's own probability applies while
// the limit is not reached, and the lower of the two wins when it is.
func TestRateLimitWithProbability(t *testing.T) {
	cfg := baseConfig(ruleCapped(RateLimitConfig{SpansPerSecond: 10, BurstCapacity: 20}, prob(0.5)))
	cfg.NumShards = 1
	cfg.RootWait = 0
	h := newHarness(t, cfg)
	a, b := traceIDWithRandomness(1, rHigh), traceIDWithRandomness(2, rHigh)
	h.consume(t, spanTrace(a, 5, "a"))  // limiter: 15/5 -> 1; rule: 0.5
	h.consume(t, spanTrace(b, 20, "a")) // limiter: 10/25 = 0.4 < 0.5; bucket 15 < 20: refused
	c := traceIDWithRandomness(3, rHigh)
	h.now += int64(2 * time.Second)
	h.consume(t, spanTrace(c, 5, "a")) // tokens 20, average 12.5, then 6.25: 15/6.25 -> 1; rule: 0.5
	h.shutdown(t)
	assert.Equal(t, map[pcommon.TraceID]string{a: thOf(t, 0.5), c: thOf(t, 0.5)}, keptThresholds(t, h))
}

// TestRateLimitKeepsBudgetWithHonestWeights sends traces of 4-6 spans into
// a budget of 100 spans/s over 2 shards: steadily (200 traces/s for 120 s),
// and with a surge (20 traces/s for 30 s, then 400 traces/s for 90 s).
// Kept spans stay near the budget, and the sum of adjusted counts (1/p from
// ot=th) estimates the traces sent: the bucket refuses next to nothing, so
// almost no weight is lost.
func TestRateLimitKeepsBudgetWithHonestWeights(t *testing.T) {
	for _, tc := range []struct {
		name   string
		phases [][2]int // seconds, traces per second
	}{
		{"steady", [][2]int{{120, 200}}},
		{"surge", [][2]int{{30, 20}, {90, 400}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(ruleErrors(), ruleCapped(RateLimitConfig{SpansPerSecond: 100}, nil))
			cfg.RootWait = 0
			h := newHarness(t, cfg)
			rng := rand.New(rand.NewPCG(7, 8))
			sent, sec := 0, 0
			for _, ph := range tc.phases {
				for range ph[0] {
					for i := range ph[1] {
						var id pcommon.TraceID
						binary.BigEndian.PutUint64(id[:8], rng.Uint64())
						binary.BigEndian.PutUint64(id[8:], rng.Uint64())
						h.now = t0 + int64(sec)*int64(time.Second) + int64(i)*int64(time.Second)/int64(ph[1])
						h.consume(t, spanTrace(id, 4+rng.IntN(3), "a"))
						sent++
					}
					sec++
				}
			}
			h.shutdown(t)
			adjusted := map[pcommon.TraceID]float64{}
			for _, s := range h.kept() {
				w3c, err := sampling.NewW3CTraceState(s.tracestate)
				require.NoError(t, err)
				adjusted[s.trace] = w3c.OTelValue().AdjustedCount()
			}
			sum := 0.0
			for _, a := range adjusted {
				sum += a
			}
			keptPerSec := float64(h.sink.SpanCount()) / float64(sec)
			refused := int64(0)
			if m, err := h.tt.GetMetric("otelcol_processor_tail_sampler_rate_limited"); err == nil {
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					refused += dp.Value
				}
			}
			t.Logf("kept %.1f spans/s (budget 100), %d traces; adjusted counts sum to %.0f of %d sent (%+.2f%%); %d refused by the bucket",
				keptPerSec, len(adjusted), sum, sent, 100*(sum-float64(sent))/float64(sent), refused)
			// The first seconds keep up to the initial burst (200 spans per shard).
			assert.InDelta(t, 100, keptPerSec, 10)
			assert.InDelta(t, float64(sent), sum, 0.05*float64(sent))
			assert.LessOrEqual(t, refused, int64(len(adjusted)/100), "bucket refusals under 1% of kept traces")
		})
	}
}

// TestRateLimitLateSpansSpendNoTokens: late spans of a kept trace follow its
// decision (with its threshold) without spending tokens, so the next trace
// still finds the tokens left.
func TestRateLimitLateSpansSpendNoTokens(t *testing.T) {
	cfg := baseConfig(ruleCapped(RateLimitConfig{SpansPerSecond: 10, BurstCapacity: 10}, nil))
	cfg.NumShards = 1
	cfg.RootWait = 0
	h := newHarness(t, cfg)
	a, b := traceIDWithRandomness(1, rHigh), traceIDWithRandomness(2, rHigh)
	h.consume(t, spanTrace(a, 5, "a")) // 15/5 -> 1: kept, tokens 5
	late := spanTrace(a, 3, "a")
	late.ResourceSpans().At(0).ScopeSpans().At(0).Spans().RemoveIf(func(sp ptrace.Span) bool { return sp.ParentSpanID().IsEmpty() })
	h.consume(t, late)                 // 2 late spans: kept, no tokens spent
	h.consume(t, spanTrace(b, 5, "a")) // 10 x (0.5 + 5/10) / 10 = 1: kept, tokens 0
	h.shutdown(t)
	assert.Equal(t, map[pcommon.TraceID]string{a: "ot=th:0", b: "ot=th:0"}, keptThresholds(t, h))
	assert.Equal(t, 12, h.sink.SpanCount())
	_, err := h.tt.GetMetric("otelcol_processor_tail_sampler_rate_limited")
	assert.Error(t, err, "nothing refused")
}

// TestRateLimitDryRun: in dry run the limiter decides as it would (a refused
// trace is stamped kept=false with the threshold it passed) and every span
// goes on.
func TestRateLimitDryRun(t *testing.T) {
	cfg := baseConfig(ruleCapped(RateLimitConfig{SpansPerSecond: 10, BurstCapacity: 5}, nil))
	cfg.NumShards = 1
	cfg.RootWait = 0
	cfg.DryRun = true
	h := newHarness(t, cfg)
	a, b := traceIDWithRandomness(1, rHigh), traceIDWithRandomness(2, rHigh)
	h.consume(t, spanTrace(a, 5, "a")) // 15/5 -> 1: would keep, tokens 0
	h.consume(t, spanTrace(b, 5, "a")) // 5/10: passes 0.5, refused by the empty bucket
	h.shutdown(t)
	th := thOf(t, 0.5)
	got := map[pcommon.TraceID][2]any{}
	for _, s := range h.kept() {
		got[s.trace] = [2]any{s.attrs[AttrDryRunKept], s.attrs[AttrDryRunThreshold]}
		assert.Empty(t, s.tracestate)
	}
	assert.Equal(t, map[pcommon.TraceID][2]any{a: {true, "0"}, b: {false, th[len("ot=th:"):]}}, got)
	assert.Equal(t, 10, h.sink.SpanCount())
	metadatatest.AssertEqualProcessorTailSamplerRateLimited(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", "capped"))},
	}, metricdatatest.IgnoreTimestamp())
}
