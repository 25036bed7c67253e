// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/xpdata/entity"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/tailsamplerprocessor/internal/metadata"
	"github.com/quell-otel/quell/processor/tailsamplerprocessor/internal/metadatatest"
)

const t0 = int64(1_700_000_000_000_000_000)

// spanSpec describes one span of a hand-built batch.
type spanSpec struct {
	trace   byte // trace number; the trace ID is derived from it
	id      byte
	parent  byte // 0 = root
	service string
	name    string
	err     bool
	dur     time.Duration
	attrs   map[string]any
	ts      string // tracestate
	scope   string
	flags   uint32
}

func traceID(n byte) pcommon.TraceID {
	// Spread the randomness bits so that n decides R deterministically.
	var id pcommon.TraceID
	id[0] = n
	binary.BigEndian.PutUint64(id[8:], uint64(n)*0x9E3779B97F4A7C15)
	return id
}

// traceIDWithRandomness returns a trace ID whose last 56 bits are r.
func traceIDWithRandomness(hi uint64, r uint64) pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[:8], hi)
	binary.BigEndian.PutUint64(id[8:], r&(1<<56-1))
	return id
}

// batch builds one ptrace.Traces; consecutive specs of the same service and
// scope share a ResourceSpans / ScopeSpans.
func batch(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	var rs ptrace.ResourceSpans
	var ss ptrace.ScopeSpans
	lastSvc, lastScope := "\x00", "\x00"
	for _, s := range specs {
		if s.service != lastSvc {
			rs = td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", s.service)
			rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
			lastSvc, lastScope = s.service, "\x00"
		}
		if s.scope != lastScope {
			ss = rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName("scope-" + s.scope)
			ss.Scope().SetVersion("1.0")
			lastScope = s.scope
		}
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(traceID(s.trace))
		sp.SetSpanID(pcommon.SpanID{s.trace, s.id, 1})
		if s.parent != 0 {
			sp.SetParentSpanID(pcommon.SpanID{s.trace, s.parent, 1})
		}
		name := s.name
		if name == "" {
			name = fmt.Sprintf("span-%d-%d", s.trace, s.id)
		}
		sp.SetName(name)
		sp.SetKind(ptrace.SpanKindServer)
		start := pcommon.Timestamp(t0 + int64(s.id)*int64(time.Millisecond))
		sp.SetStartTimestamp(start)
		dur := s.dur
		if dur == 0 {
			dur = 10 * time.Millisecond
		}
		sp.SetEndTimestamp(start + pcommon.Timestamp(dur))
		if s.err {
			sp.Status().SetCode(ptrace.StatusCodeError)
			sp.Status().SetMessage("boom")
		}
		sp.Attributes().PutStr("http.route", "/r")
		_ = sp.Attributes().FromRaw(mergeAttrs(s.attrs))
		sp.TraceState().FromRaw(s.ts)
		sp.SetFlags(s.flags)
		ev := sp.Events().AppendEmpty()
		ev.SetName("event")
		ev.Attributes().PutInt("n", int64(s.id))
	}
	return td
}

func mergeAttrs(m map[string]any) map[string]any {
	out := map[string]any{"http.route": "/r"}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func baseConfig(rules ...RuleConfig) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.NumShards = 2
	cfg.Rules = rules
	return cfg
}

func prob(p float64) *float64 { return &p }

func ruleDefault(p *float64) RuleConfig {
	return RuleConfig{Name: "default", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Probability: p}
}

func ruleErrors() RuleConfig {
	return RuleConfig{Name: "errors", Condition: ConditionConfig{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}}}
}

func ruleSlow(d time.Duration) RuleConfig {
	return RuleConfig{Name: "slow", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDuration, Duration: DurationConfig{Min: d}}}}
}

type harness struct {
	p    *tailSampler
	sink *consumertest.TracesSink
	now  int64
	tt   *componenttest.Telemetry
}

func newHarness(t *testing.T, cfg *Config) *harness {
	t.Helper()
	require.NoError(t, cfg.Validate())
	h := &harness{sink: new(consumertest.TracesSink), now: t0, tt: componenttest.NewTelemetry()}
	t.Cleanup(func() { require.NoError(t, h.tt.Shutdown(context.Background())) })
	p, err := newTailSampler(metadatatest.NewSettings(h.tt), cfg, h.sink)
	require.NoError(t, err)
	p.now = func() int64 { return h.now }
	h.p = p
	return h
}

func (h *harness) consume(t *testing.T, td ptrace.Traces) {
	t.Helper()
	require.NoError(t, h.p.ConsumeTraces(context.Background(), td))
}

func (h *harness) advance(t *testing.T, d time.Duration) {
	t.Helper()
	h.now += int64(d)
	require.NoError(t, h.p.tick(context.Background(), h.now))
}

func (h *harness) shutdown(t *testing.T) {
	t.Helper()
	require.NoError(t, h.p.Shutdown(context.Background()))
}

// keptSpan is a span as it came out of the processor.
type keptSpan struct {
	trace      pcommon.TraceID
	name       string
	service    string
	scope      string
	tracestate string
	rule       string
	attrs      map[string]any
}

func (h *harness) kept() []keptSpan {
	var out []keptSpan
	for _, td := range h.sink.AllTraces() {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			svc, _ := rs.Resource().Attributes().Get("service.name")
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j)
				for k := 0; k < ss.Spans().Len(); k++ {
					sp := ss.Spans().At(k)
					rule, _ := sp.Attributes().Get(AttrRule)
					out = append(out, keptSpan{
						trace: sp.TraceID(), name: sp.Name(), service: svc.Str(), scope: ss.Scope().Name(),
						tracestate: sp.TraceState().AsRaw(), rule: rule.Str(), attrs: sp.Attributes().AsRaw(),
					})
				}
			}
		}
	}
	return out
}

func keptTraces(spans []keptSpan) map[pcommon.TraceID]int {
	m := map[pcommon.TraceID]int{}
	for _, s := range spans {
		m[s.trace]++
	}
	return m
}

func TestRoundTripKeepsEverySpanIntact(t *testing.T) {
	h := newHarness(t, baseConfig(ruleDefault(nil)))
	in := batch(
		spanSpec{trace: 1, id: 1, service: "a", scope: "x"},
		spanSpec{trace: 2, id: 1, service: "a", scope: "x", attrs: map[string]any{"k": int64(3), "list": []any{"a", 1.5}}},
		spanSpec{trace: 1, id: 2, parent: 1, service: "a", scope: "y"},
		spanSpec{trace: 2, id: 2, parent: 1, service: "b", scope: "x", err: true},
		spanSpec{trace: 1, id: 3, parent: 2, service: "b", scope: "x", ts: "vendor=v1"},
	)
	want := ptrace.NewTraces()
	in.CopyTo(want)
	h.consume(t, in)
	h.shutdown(t)
	require.Equal(t, 5, h.sink.SpanCount())

	// Compare every span, with its resource and scope, minus our stamps.
	canon := func(td ptrace.Traces, strip bool) []string {
		var out []string
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j)
				for k := 0; k < ss.Spans().Len(); k++ {
					sp := ptrace.NewSpan()
					ss.Spans().At(k).CopyTo(sp)
					if strip {
						sp.Attributes().Remove(AttrRule)
						ts := strings.TrimPrefix(sp.TraceState().AsRaw(), "ot=th:0")
						sp.TraceState().FromRaw(strings.TrimPrefix(ts, ","))
					}
					m := &ptrace.JSONMarshaler{}
					one := ptrace.NewTraces()
					ors := one.ResourceSpans().AppendEmpty()
					rs.Resource().CopyTo(ors.Resource())
					ors.SetSchemaUrl(rs.SchemaUrl())
					oss := ors.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(oss.Scope())
					sp.CopyTo(oss.Spans().AppendEmpty())
					b, err := m.MarshalTraces(one)
					require.NoError(t, err)
					out = append(out, string(b))
				}
			}
		}
		sort.Strings(out)
		return out
	}
	var got []string
	for _, td := range h.sink.AllTraces() {
		got = append(got, canon(td, true)...)
	}
	sort.Strings(got)
	assert.Equal(t, canon(want, false), got)
	for _, s := range h.kept() {
		assert.Equal(t, "default", s.rule)
		assert.Contains(t, s.tracestate, "ot=th:0")
	}
}

func TestFirstMatchRulesAndThresholds(t *testing.T) {
	cfg := baseConfig(ruleErrors(), ruleSlow(time.Second), ruleDefault(prob(0.25)))
	h := newHarness(t, cfg)
	// Two traces of 2 spans in each class; randomness chosen around the
	// 25% threshold (T = 0.75 * 2^56).
	hiR, loR := uint64(9)<<56/10, uint64(1)<<56/10
	ids := map[string]pcommon.TraceID{
		"err-lo":  traceIDWithRandomness(1, loR),
		"slow-lo": traceIDWithRandomness(2, loR),
		"norm-hi": traceIDWithRandomness(3, hiR),
		"norm-lo": traceIDWithRandomness(4, loR),
	}
	td := twoSpanTraces(ids)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		if sp := spans.At(i); sp.Name() == "slow-lo" && !sp.ParentSpanID().IsEmpty() {
			sp.SetEndTimestamp(pcommon.Timestamp(t0 + int64(2*time.Second)))
		}
	}
	h.consume(t, td)
	h.advance(t, cfg.RootWait)
	assert.Equal(t, map[string][]string{
		"err-lo":  {"errors ot=th:0", "errors ot=th:0"},
		"slow-lo": {"slow ot=th:0", "slow ot=th:0"},
		"norm-hi": {"default ot=th:c", "default ot=th:c"},
	}, h.keptByName())
	h.shutdown(t)
}

func TestThresholdsOnlyRise(t *testing.T) {
	h := newHarness(t, baseConfig(ruleDefault(prob(0.5))))
	// Randomness from ot=rv (not the trace ID): high enough for both.
	specs := []spanSpec{
		{trace: 1, id: 1, service: "a", ts: "ot=rv:f0000000000000;th:c"},          // upstream 25% stays
		{trace: 2, id: 1, service: "a", ts: "ot=rv:f0000000000000;th:4,vendor=x"}, // upstream 75% rises to 50%
		{trace: 3, id: 1, service: "a", ts: "vendor=y"},                           // no threshold yet
		{trace: 4, id: 1, service: "a", ts: "ot=rv:00000000000001"},               // rv says drop
	}
	h.consume(t, batch(specs...))
	h.shutdown(t)
	got := map[string]string{}
	for _, s := range h.kept() {
		got[s.name] = s.tracestate
	}
	r3 := sampling.TraceIDToRandomness(traceID(3))
	want := map[string]string{
		"span-1-1": "ot=rv:f0000000000000;th:c",
		"span-2-1": "ot=th:8;rv:f0000000000000,vendor=x",
	}
	if r3.Unsigned() >= 1<<55 {
		want["span-3-1"] = "ot=th:8,vendor=y"
	}
	// Serialization order of the ot fields is the library's; compare parsed.
	require.Len(t, got, len(want))
	for k, w := range want {
		gw, err := sampling.NewW3CTraceState(got[k])
		require.NoError(t, err)
		ww, err := sampling.NewW3CTraceState(w)
		require.NoError(t, err)
		assert.Equal(t, ww.OTelValue().TValue(), gw.OTelValue().TValue(), k)
		assert.Equal(t, ww.OTelValue().RValue(), gw.OTelValue().RValue(), k)
		assert.Equal(t, ww.ExtraValues(), gw.ExtraValues(), k)
	}
}

func TestDecisionTriggers(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.RootWait = time.Second
	cfg.DecisionWait = 10 * time.Second
	cfg.MaxSpansPerTrace = 3
	h := newHarness(t, cfg)

	// trace 1: root arrives -> decided root_wait later.
	h.consume(t, batch(spanSpec{trace: 1, id: 2, parent: 1, service: "a"}, spanSpec{trace: 1, id: 1, service: "a"}))
	// trace 2: no root -> decided at decision_wait.
	h.consume(t, batch(spanSpec{trace: 2, id: 2, parent: 1, service: "a"}))
	// trace 3: span limit -> decided at once.
	h.consume(t, batch(spanSpec{trace: 3, id: 2, parent: 1, service: "a"}, spanSpec{trace: 3, id: 3, parent: 1, service: "a"}, spanSpec{trace: 3, id: 4, parent: 1, service: "a"}))
	assert.Equal(t, map[pcommon.TraceID]int{traceID(3): 3}, keptTraces(h.kept()))

	h.advance(t, 999*time.Millisecond)
	assert.Equal(t, 3, h.sink.SpanCount())
	h.advance(t, time.Millisecond)
	assert.Equal(t, map[pcommon.TraceID]int{traceID(1): 2, traceID(3): 3}, keptTraces(h.kept()))

	h.advance(t, 9*time.Second-time.Millisecond)
	assert.Equal(t, 5, h.sink.SpanCount())
	h.advance(t, time.Millisecond)
	assert.Equal(t, map[pcommon.TraceID]int{traceID(1): 2, traceID(2): 1, traceID(3): 3}, keptTraces(h.kept()))
	h.shutdown(t)

	metadatatest.AssertEqualProcessorTailSamplerTracesDecided(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", "default"), attribute.String("decision", "kept"), attribute.String("trigger", "root"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", "default"), attribute.String("decision", "kept"), attribute.String("trigger", "timeout"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", "default"), attribute.String("decision", "kept"), attribute.String("trigger", "span_limit"))},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorTailSamplerSpansDecided(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 6, Attributes: attribute.NewSet(attribute.String("rule", "default"), attribute.String("decision", "kept"))},
	}, metricdatatest.IgnoreTimestamp())
	// Decision latency: span limit at once, root after root_wait (1 s),
	// timeout after decision_wait (10 s).
	m, err := h.tt.GetMetric("otelcol_processor_tail_sampler_decision_latency")
	require.NoError(t, err)
	dps := m.Data.(metricdata.Histogram[int64]).DataPoints
	require.Len(t, dps, 1)
	assert.Equal(t, uint64(3), dps[0].Count)
	assert.Equal(t, int64(11000), dps[0].Sum)
	metadatatest.AssertEqualProcessorTailSamplerBufferedTraces(t, h.tt, []metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorTailSamplerBufferedBytes(t, h.tt, []metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
}

func TestLateSpansFollowDecision(t *testing.T) {
	cfg := baseConfig(ruleErrors(), RuleConfig{Name: "rest", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Action: ActionDrop})
	cfg.RootWait = 0
	h := newHarness(t, cfg)
	// Root arrives first: decided at once (root_wait 0).
	h.consume(t, batch(spanSpec{trace: 1, id: 1, service: "a", err: true}, spanSpec{trace: 2, id: 1, service: "a"},
		spanSpec{trace: 3, id: 1, service: "a"}))
	require.Equal(t, 1, h.sink.SpanCount())
	// Late children: the kept trace's follow it, the dropped trace 3's are
	// dropped; trace 2's late child is an error, kept on its own and marked
	// partial, as is its next late span.
	h.consume(t, batch(
		spanSpec{trace: 1, id: 2, parent: 1, service: "b"},
		spanSpec{trace: 2, id: 2, parent: 1, service: "b", err: true},
		spanSpec{trace: 3, id: 2, parent: 1, service: "b"},
		spanSpec{trace: 1, id: 3, parent: 1, service: "b"},
	))
	h.consume(t, batch(spanSpec{trace: 2, id: 3, parent: 1, service: "b"}))
	h.shutdown(t)
	spans := h.kept()
	assert.Equal(t, map[pcommon.TraceID]int{traceID(1): 3, traceID(2): 2}, keptTraces(spans))
	for _, s := range spans {
		assert.Equal(t, "errors", s.rule)
		assert.Equal(t, "ot=th:0", s.tracestate)
		_, partial := s.attrs[AttrPartial]
		assert.Equal(t, s.trace == traceID(2), partial, "sampling.partial on %s", s.name)
	}
	metadatatest.AssertEqualProcessorTailSamplerLateSpans(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 4, Attributes: attribute.NewSet(attribute.String("decision", "kept"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("decision", "dropped"))},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorTailSamplerPartialTraces(t, h.tt, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}

// TestMemoryPressureDecidesTracesWithRootFirst: under pressure, among the
// older half of the pending traces, one whose root has arrived is decided
// before an older one still growing.
func TestMemoryPressureDecidesTracesWithRootFirst(t *testing.T) {
	cfg := baseConfig(ruleErrors(), RuleConfig{Name: "rest", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Action: ActionDrop})
	cfg.NumShards = 1
	h := newHarness(t, cfg)
	pad := map[string]any{"pad": strings.Repeat("x", 2000)} // traces well above the queue overhead
	h.consume(t, batch(spanSpec{trace: 200, id: 2, parent: 1, service: "a", attrs: pad}))
	one := h.p.shards[0].bytes
	h.p.shards[0].budget = 6 * one
	// 200 (oldest) and 2, 4, 5 are growing (no root); 1 and 3 have theirs.
	for i := byte(1); i <= 5; i++ {
		h.now += int64(time.Millisecond)
		sp := spanSpec{trace: i, id: 2, parent: 1, service: "a", attrs: pad}
		if i == 1 || i == 3 {
			sp = spanSpec{trace: i, id: 1, service: "a", attrs: pad}
		}
		h.consume(t, batch(sp))
	}
	s := h.p.shards[0]
	assert.Contains(t, s.traces, traceID(200), "the oldest growing trace waits")
	assert.NotContains(t, s.traces, traceID(1), "an old trace with its root goes first")
	assert.Contains(t, s.traces, traceID(3), "a young trace with its root waits")
	h.shutdown(t)
}

// TestMemoryPressureDecidesCompleteErrorTracesBeforeGrowingOnes: an old
// trace with its root and an error is decided (and kept) before an older
// trace still growing, whose error may be still to come.
func TestMemoryPressureDecidesCompleteErrorTracesBeforeGrowingOnes(t *testing.T) {
	cfg := baseConfig(ruleErrors(), RuleConfig{Name: "rest", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Action: ActionDrop})
	cfg.NumShards = 1
	h := newHarness(t, cfg)
	pad := map[string]any{"pad": strings.Repeat("x", 2000)}
	h.consume(t, batch(spanSpec{trace: 200, id: 2, parent: 1, service: "a", attrs: pad}))
	h.p.shards[0].budget = 6 * h.p.shards[0].bytes
	// 200 (oldest) is growing; 1 is complete with an error; 2 to 5 grow.
	h.consume(t, batch(spanSpec{trace: 1, id: 1, service: "a", err: true, attrs: pad}))
	for i := byte(2); i <= 5; i++ {
		h.now += int64(time.Millisecond)
		h.consume(t, batch(spanSpec{trace: i, id: 2, parent: 1, service: "a", attrs: pad}))
	}
	s := h.p.shards[0]
	assert.Contains(t, s.traces, traceID(200), "the oldest growing trace waits")
	assert.NotContains(t, s.traces, traceID(1), "the complete error trace goes first")
	assert.Equal(t, map[pcommon.TraceID]int{traceID(1): 1}, keptTraces(h.kept()), "and is kept")
	h.shutdown(t)
}

func TestLateSpansBeyondCacheBoundsAreCounted(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.NumShards = 1
	cfg.RootWait = 0
	cfg.DecisionCache.KeptTraces = 2
	h := newHarness(t, cfg)
	for i := byte(1); i <= 4; i++ {
		h.consume(t, batch(spanSpec{trace: i, id: 1, service: "a"}))
	}
	h.shutdown(t)
	metadatatest.AssertEqualProcessorTailSamplerDecisionsForgotten(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("decision", "kept"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestDroppedFingerprintsRotate(t *testing.T) {
	s := newFingerprintSet(3)
	for i := uint64(1); i <= 3; i++ {
		assert.Zero(t, s.add(i*1000))
	}
	assert.Equal(t, 0, s.add(4000)) // rotation: old generation was empty
	assert.True(t, s.has(1000))
	assert.True(t, s.has(4000))
	s.add(5000)
	s.add(6000)
	assert.Equal(t, 3, s.add(7000)) // forgets 1000..3000
	assert.False(t, s.has(1000))
	assert.True(t, s.has(6000))
	assert.True(t, s.has(7000))
	assert.False(t, s.has(42))
	for i := uint64(1); i < 500; i++ {
		big := newFingerprintSet(1000)
		big.add(i)
		assert.True(t, big.has(i))
	}
}

func TestMemoryPressureDecidesOldestEarlyProtectingErrors(t *testing.T) {
	cfg := baseConfig(ruleErrors(), RuleConfig{Name: "rest", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Action: ActionDrop})
	cfg.NumShards = 1
	h := newHarness(t, cfg)
	// Measure one trace's cost, then budget for about three.
	h.consume(t, batch(spanSpec{trace: 200, id: 2, parent: 1, service: "a"}))
	one := h.p.shards[0].bytes
	h.p.shards[0].budget = 3*one + one/2
	// Oldest first: trace 1 holds an error and must survive the pressure.
	h.consume(t, batch(spanSpec{trace: 1, id: 2, parent: 1, service: "a", err: true}))
	for i := byte(2); i <= 6; i++ {
		h.now += int64(time.Millisecond)
		h.consume(t, batch(spanSpec{trace: i, id: 2, parent: 1, service: "a"}))
	}
	s := h.p.shards[0]
	assert.LessOrEqual(t, s.bytes, s.budget)
	_, errorKept := s.traces[traceID(1)]
	assert.True(t, errorKept, "error trace decided early")
	assert.Contains(t, s.traces, traceID(6), "newest trace decided early")
	early := 7 - len(s.traces)
	assert.Positive(t, early)
	metadatatest.AssertEqualProcessorTailSamplerEarlyDecisions(t, h.tt, []metricdata.DataPoint[int64]{{Value: int64(early)}}, metricdatatest.IgnoreTimestamp())
	h.shutdown(t)
	assert.Equal(t, map[pcommon.TraceID]int{traceID(1): 1}, keptTraces(h.kept()))
}

func TestMemoryPressureDecidesErrorTracesWhenNothingElseIsLeft(t *testing.T) {
	cfg := baseConfig(ruleErrors(), ruleDefault(nil))
	cfg.NumShards = 1
	h := newHarness(t, cfg)
	h.p.shards[0].budget = 1
	h.consume(t, batch(spanSpec{trace: 1, id: 2, parent: 1, service: "a", err: true}))
	assert.Empty(t, h.p.shards[0].traces)
	assert.Equal(t, 1, h.sink.SpanCount())
	h.shutdown(t)
}

func TestDryRunKeepsEverythingAndStamps(t *testing.T) {
	cfg := baseConfig(ruleErrors(), RuleConfig{Name: "rest", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Action: ActionDrop})
	cfg.DryRun = true
	h := newHarness(t, cfg)
	h.consume(t, batch(spanSpec{trace: 1, id: 1, service: "a", err: true, ts: "vendor=z"}, spanSpec{trace: 2, id: 1, service: "a"}))
	h.shutdown(t)
	got := map[string]map[string]any{}
	for _, s := range h.kept() {
		got[s.name] = s.attrs
		assert.Equal(t, map[string]string{"span-1-1": "vendor=z", "span-2-1": ""}[s.name], s.tracestate, "dry run leaves tracestate")
	}
	assert.Equal(t, map[string]map[string]any{
		"span-1-1": {"http.route": "/r", AttrRule: "errors", AttrDryRunKept: true, AttrDryRunThreshold: "0"},
		"span-2-1": {"http.route": "/r", AttrRule: "rest", AttrDryRunKept: false, AttrDryRunThreshold: ""},
	}, got)
	metadatatest.AssertEqualProcessorTailSamplerTracesDecided(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", "errors"), attribute.String("decision", "kept"), attribute.String("trigger", "shutdown"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("rule", "rest"), attribute.String("decision", "dropped"), attribute.String("trigger", "shutdown"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestRecordRuleOff(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.RecordRule = false
	h := newHarness(t, cfg)
	h.consume(t, batch(spanSpec{trace: 1, id: 1, service: "a"}))
	h.shutdown(t)
	spans := h.kept()
	require.Len(t, spans, 1)
	assert.Empty(t, spans[0].rule)
	assert.Equal(t, "ot=th:0", spans[0].tracestate)
}

func TestConditionKinds(t *testing.T) {
	attr := func(a AttributeConfig) MatchConfig { return MatchConfig{Type: TypeAttribute, Attribute: a} }
	cases := []struct {
		name  string
		match ConditionConfig
		specs []spanSpec
		want  bool
	}{
		{"equals", ConditionConfig{Match: attr(AttributeConfig{Key: "tenant", Values: []string{"gold"}})}, []spanSpec{{attrs: map[string]any{"tenant": "gold"}}}, true},
		{"equals miss", ConditionConfig{Match: attr(AttributeConfig{Key: "tenant", Values: []string{"gold"}})}, []spanSpec{{attrs: map[string]any{"tenant": "tin"}}}, false},
		{"equals int as string", ConditionConfig{Match: attr(AttributeConfig{Key: "code", Values: []string{"503"}})}, []spanSpec{{attrs: map[string]any{"code": int64(503)}}}, true},
		{"regex", ConditionConfig{Match: attr(AttributeConfig{Key: "http.route", Regex: "^/r$"})}, []spanSpec{{}}, true},
		{"range in", ConditionConfig{Match: attr(AttributeConfig{Key: "code", Min: prob(500), Max: prob(599)})}, []spanSpec{{attrs: map[string]any{"code": int64(503)}}}, true},
		{"range out", ConditionConfig{Match: attr(AttributeConfig{Key: "code", Min: prob(500), Max: prob(599)})}, []spanSpec{{attrs: map[string]any{"code": 200.0}}}, false},
		{"range not numeric", ConditionConfig{Match: attr(AttributeConfig{Key: "code", Min: prob(500)})}, []spanSpec{{attrs: map[string]any{"code": "503"}}}, false},
		{"exists", ConditionConfig{Match: attr(AttributeConfig{Key: "tenant"})}, []spanSpec{{attrs: map[string]any{"tenant": ""}}}, true},
		{"resource scope", ConditionConfig{Match: attr(AttributeConfig{Key: "service.name", Scope: "resource", Values: []string{"a"}})}, []spanSpec{{}}, true},
		{"span scope misses resource", ConditionConfig{Match: attr(AttributeConfig{Key: "service.name", Scope: "span", Values: []string{"a"}})}, []spanSpec{{}}, false},
		{"status ok", ConditionConfig{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"UNSET"}}}}, []spanSpec{{}}, true},
		{"span count", ConditionConfig{Match: MatchConfig{Type: TypeSpanCount, SpanCount: SpanCountConfig{Min: 2}}}, []spanSpec{{}, {id: 2, parent: 1}}, true},
		{"span count max", ConditionConfig{Match: MatchConfig{Type: TypeSpanCount, SpanCount: SpanCountConfig{Max: 1}}}, []spanSpec{{}, {id: 2, parent: 1}}, false},
		{"duration max", ConditionConfig{Match: MatchConfig{Type: TypeDuration, Duration: DurationConfig{Max: 20 * time.Millisecond}}}, []spanSpec{{}}, true},
		{"root name", ConditionConfig{Match: MatchConfig{Type: TypeRootSpanName, RootSpanName: StringMatchConfig{Values: []string{"GET /"}}}}, []spanSpec{{name: "GET /"}}, true},
		{"root name only on root", ConditionConfig{Match: MatchConfig{Type: TypeRootSpanName, RootSpanName: StringMatchConfig{Regex: "^GET"}}}, []spanSpec{{id: 2, parent: 1, name: "GET /"}}, false},
		{"trace state", ConditionConfig{Match: MatchConfig{Type: TypeTraceState, TraceState: TraceStateConfig{Key: "vendor", Values: []string{"v1"}}}}, []spanSpec{{ts: "ot=th:0,vendor=v1"}}, true},
		{"trace flags sampled", ConditionConfig{Match: MatchConfig{Type: TypeTraceFlags}}, []spanSpec{{}, {id: 2, parent: 1, flags: 0x101}}, true},
		{"trace flags unsampled", ConditionConfig{Match: MatchConfig{Type: TypeTraceFlags}}, []spanSpec{{flags: 0x100}, {id: 2, parent: 1, flags: 0x02}}, false},
		{"ottl", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: []string{`span.attributes["tenant"] == "gold"`}}}}, []spanSpec{{}, {id: 2, parent: 1, attrs: map[string]any{"tenant": "gold"}}}, true},
		{"ottl spanevent", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: nil, SpanEvent: []string{`spanevent.attributes["n"] == 2`}}}}, []spanSpec{{}, {id: 2, parent: 1}}, true},
		{"ottl spanevent miss", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: nil, SpanEvent: []string{`spanevent.name == "exception"`}}}}, []spanSpec{{}, {id: 2, parent: 1}}, false},
		{"ottl spanevent sees its span and resource", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: nil, SpanEvent: []string{`spanevent.name == "event" and span.name == "charge" and resource.attributes["service.name"] == "a"`}}}}, []spanSpec{{}, {id: 2, parent: 1, name: "charge"}}, true},
		{"ottl spanevent index", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: nil, SpanEvent: []string{`spanevent.event_index == 1`}}}}, []spanSpec{{}}, false},
		{"ottl span or spanevent", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: []string{`span.name == "nope"`}, SpanEvent: []string{`spanevent.attributes["n"] == 1`}}}}, []spanSpec{{}}, true},
		{"ottl spanevent error ignored: next condition decides", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: nil, SpanEvent: []string{`Len(spanevent.attributes["n"]) > 0`, `spanevent.name == "event"`}, ErrorMode: ottl.IgnoreError}}}, []spanSpec{{}}, true},
		{"ottl spanevent error silent: next condition decides", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: nil, SpanEvent: []string{`Len(spanevent.attributes["n"]) > 0`, `spanevent.name == "event"`}, ErrorMode: ottl.SilentError}}}, []spanSpec{{}}, true},
		{"ottl spanevent error propagated: false for the event", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: nil, SpanEvent: []string{`Len(spanevent.attributes["n"]) > 0`, `spanevent.name == "event"`}, ErrorMode: ottl.PropagateError}}}, []spanSpec{{}}, false},
		{"not ottl spanevent", ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{SpanEvent: []string{`spanevent.attributes["n"] == 2`}}}}}, []spanSpec{{}}, true},
		{"ottl miss", ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: []string{`span.name == "nope"`}}}}, []spanSpec{{}}, false},
		{"all", ConditionConfig{Match: MatchConfig{Type: TypeAll}, All: []SubConditionConfig{
			{Match: attr(AttributeConfig{Key: "tenant"})},
			{Match: MatchConfig{Type: TypeAny}, Any: []MatchConfig{{Type: TypeSpanCount, SpanCount: SpanCountConfig{Min: 5}}, {Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}}},
		}}, []spanSpec{{attrs: map[string]any{"tenant": "x"}}, {id: 2, parent: 1, err: true}}, true},
		{"not status", ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}}}, []spanSpec{{}, {id: 2, parent: 1}}, true},
		{"not status miss: any span matching the operand defeats not", ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}}}, []spanSpec{{}, {id: 2, parent: 1, err: true}}, false},
		{"not any", ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeAny}, Any: []MatchConfig{
			{Type: TypeAttribute, Attribute: AttributeConfig{Key: "internal"}}, {Type: TypeSpanCount, SpanCount: SpanCountConfig{Max: 1}},
		}}}, []spanSpec{{}, {id: 2, parent: 1}}, true},
		{"not any miss", ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeAny}, Any: []MatchConfig{
			{Type: TypeAttribute, Attribute: AttributeConfig{Key: "internal"}}, {Type: TypeSpanCount, SpanCount: SpanCountConfig{Max: 1}},
		}}}, []spanSpec{{}}, false},
		{"not duration", ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeDuration, Duration: DurationConfig{Min: time.Second}}}}, []spanSpec{{}}, true},
		{"all with not", ConditionConfig{Match: MatchConfig{Type: TypeAll}, All: []SubConditionConfig{
			{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}},
			{Match: MatchConfig{Type: TypeNot}, Not: &MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "internal"}}},
		}}, []spanSpec{{err: true}}, true},
		{"all with not miss", ConditionConfig{Match: MatchConfig{Type: TypeAll}, All: []SubConditionConfig{
			{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}},
			{Match: MatchConfig{Type: TypeNot}, Not: &MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "internal"}}},
		}}, []spanSpec{{err: true}, {id: 2, parent: 1, attrs: map[string]any{"internal": true}}}, false},
		{"not not", ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}}}, []spanSpec{{err: true}}, true},
		{"all miss", ConditionConfig{Match: MatchConfig{Type: TypeAll}, All: []SubConditionConfig{
			{Match: attr(AttributeConfig{Key: "tenant"})},
			{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}},
		}}, []spanSpec{{attrs: map[string]any{"tenant": "x"}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(
				RuleConfig{Name: "match", Condition: tc.match},
				RuleConfig{Name: "rest", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Action: ActionDrop},
			)
			h := newHarness(t, cfg)
			for i := range tc.specs {
				tc.specs[i].trace = 1
				tc.specs[i].service = "a"
				if tc.specs[i].id == 0 {
					tc.specs[i].id = 1
				}
			}
			h.consume(t, batch(tc.specs...))
			h.shutdown(t)
			assert.Equal(t, tc.want, h.sink.SpanCount() > 0)
		})
	}
}

func TestAdaptiveDampsFrequentKeysAndKeepsRareOnes(t *testing.T) {
	cfg := baseConfig(RuleConfig{
		Name:      "adaptive",
		Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}},
		Adaptive:  &AdaptiveConfig{TargetTracesPerSecond: 2, MinProbability: 0.01, AdjustmentInterval: time.Second},
	})
	cfg.NumShards = 1
	cfg.RootWait = 0
	h := newHarness(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	keptBy := map[string]float64{}
	adjBy := map[string]float64{}
	sent := map[string]int{}
	// 10 s: "hot" sends 200 traces/s, "cold" 1 trace/s.
	for sec := range 10 {
		for i := range 201 {
			svc := "hot"
			if i == 200 {
				svc = "cold"
			}
			var id pcommon.TraceID
			binary.BigEndian.PutUint64(id[:8], rng.Uint64())
			binary.BigEndian.PutUint64(id[8:], rng.Uint64())
			td := batch(spanSpec{trace: 1, id: 1, service: svc, name: "GET"})
			td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetTraceID(id)
			sent[svc]++
			h.now = t0 + int64(sec)*int64(time.Second) + int64(i)*int64(time.Second)/201
			h.consume(t, td)
		}
	}
	h.shutdown(t)
	for _, s := range h.kept() {
		w3c, err := sampling.NewW3CTraceState(s.tracestate)
		require.NoError(t, err)
		keptBy[s.service]++
		adjBy[s.service] += w3c.OTelValue().AdjustedCount()
	}
	assert.Equal(t, float64(sent["cold"]), keptBy["cold"], "rare key kept entirely")
	// 2/s over 10 s is 20; the moving average needs a few intervals to
	// warm up, during which more is kept (about 12 in the first second).
	assert.InDelta(t, 30, keptBy["hot"], 15, "hot key damped toward 2/s")
	assert.InDelta(t, float64(sent["hot"]), adjBy["hot"], 0.35*float64(sent["hot"]), "adjusted counts estimate the hot key")
}

// TestAdjustedCountsEstimateTraceCount: 100k generated traces (10% errors,
// 5% slow, the rest kept at 10%), each spread over 4 batches: every error and
// slow trace is kept whole, and the sum of 1/p (from ot=th) over kept traces
// estimates 100k within 3%.
func TestAdjustedCountsEstimateTraceCount(t *testing.T) {
	cfg := baseConfig(ruleErrors(), ruleSlow(time.Second), ruleDefault(prob(0.1)))
	cfg.MaxBufferedBytes = 1 << 30
	h := newHarness(t, cfg)
	const n = 100_000
	gen := workload.NewTraceGenerator(workload.TraceOptions{Seed: 99, ErrorRatio: 0.1, SlowRatio: 0.05, MinSpans: 2, MaxSpans: 8})
	mustKeep := map[pcommon.TraceID]int{}
	for range n / 5000 {
		traces := gen.Generate(5000)
		for _, tr := range traces {
			if tr.Error || tr.Slow {
				mustKeep[tr.ID] = tr.SpanCount
			}
		}
		for _, td := range workload.Split(traces, 4) {
			h.consume(t, td)
		}
		h.advance(t, cfg.RootWait)
	}
	h.shutdown(t)
	spans := map[pcommon.TraceID]int{}
	adjusted := map[pcommon.TraceID]float64{}
	for _, s := range h.kept() {
		w3c, err := sampling.NewW3CTraceState(s.tracestate)
		require.NoError(t, err)
		spans[s.trace]++
		adjusted[s.trace] = w3c.OTelValue().AdjustedCount()
	}
	for id, want := range mustKeep {
		require.Equal(t, want, spans[id], "error/slow trace not kept whole")
		require.InDelta(t, 1, adjusted[id], 1e-9)
	}
	sum := 0.0
	for _, a := range adjusted {
		sum += a
	}
	assert.InDelta(t, n, sum, 0.03*n, "sum of adjusted counts %.0f", sum)
	t.Logf("kept %d of %d traces (%d error/slow); estimate %.0f (%+.2f%%)", len(adjusted), n, len(mustKeep), sum, 100*(sum-n)/n)
}

func TestShutdownDecidesPendingAndIsIdempotent(t *testing.T) {
	h := newHarness(t, baseConfig(ruleDefault(nil)))
	require.NoError(t, h.p.Start(context.Background(), componenttest.NewNopHost()))
	h.consume(t, batch(spanSpec{trace: 1, id: 2, parent: 1, service: "a"}, spanSpec{trace: 2, id: 2, parent: 1, service: "a"}))
	assert.Zero(t, h.sink.SpanCount())
	h.shutdown(t)
	assert.Equal(t, 2, h.sink.SpanCount())
	h.shutdown(t)
	assert.Equal(t, 2, h.sink.SpanCount())
}

func TestNextConsumerErrorIsReturned(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.RootWait = 0
	p, err := newTailSampler(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewErr(assert.AnError))
	require.NoError(t, err)
	require.ErrorIs(t, p.ConsumeTraces(context.Background(), batch(spanSpec{trace: 1, id: 1, service: "a"})), assert.AnError)
	require.NoError(t, p.Shutdown(context.Background()))
}

func TestEmptyBatch(t *testing.T) {
	h := newHarness(t, baseConfig(ruleDefault(nil)))
	h.consume(t, ptrace.NewTraces())
	td := ptrace.NewTraces()
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	h.consume(t, td)
	h.shutdown(t)
	assert.Zero(t, h.sink.SpanCount())
}

// Entity references are not reachable through pcommon: the wire codec
// encodes such a resource with pdata's marshaller, and they arrive intact.
func TestResourceWithEntityRefsArriveIntact(t *testing.T) {
	h := newHarness(t, baseConfig(ruleDefault(nil)))
	td := batch(spanSpec{trace: 1, id: 1, service: "a"})
	res := td.ResourceSpans().At(0).Resource()
	ref := entity.ResourceEntityRefs(res).AppendEmpty()
	ref.SetType("service")
	ref.IdKeys().Append("service.name")
	require.NoError(t, h.p.ConsumeTraces(context.Background(), td))
	h.shutdown(t)
	require.Equal(t, 1, h.sink.SpanCount())
	got := entity.ResourceEntityRefs(h.sink.AllTraces()[0].ResourceSpans().At(0).Resource())
	require.Equal(t, 1, got.Len())
	assert.Equal(t, "service", got.At(0).Type())
	assert.Equal(t, []string{"service.name"}, got.At(0).IdKeys().AsRaw())
}

func componentTestSettings() component.TelemetrySettings {
	return componenttest.NewNopTelemetrySettings()
}

func TestStaleQueueEntriesAreCompactedUnderPressure(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.NumShards = 1
	cfg.RootWait = 0
	h := newHarness(t, cfg)
	for i := byte(1); i <= 200; i++ {
		h.consume(t, batch(spanSpec{trace: i, id: 1, service: "a"})) // decided on its root at once
	}
	s := h.p.shards[0]
	assert.Equal(t, 200, s.arrivals.len(), "stale entries wait for their timeout")
	s.budget = 1
	h.consume(t, batch(spanSpec{trace: 201, id: 2, parent: 1, service: "a"}))
	assert.Zero(t, s.arrivals.len())
	assert.Empty(t, s.traces)
	h.shutdown(t)
	assert.Equal(t, 201, h.sink.SpanCount())
}

// TestConcurrentIngest runs senders in parallel with the real tickers (for
// the race detector) and checks every span comes out exactly once.
func TestConcurrentIngest(t *testing.T) {
	cfg := baseConfig(ruleDefault(nil))
	cfg.NumShards = 3
	cfg.RootWait = time.Millisecond
	cfg.DecisionWait = 5 * time.Millisecond
	cfg.TickInterval = time.Millisecond
	sink := new(consumertest.TracesSink)
	p, err := newTailSampler(processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 50 {
				tr := byte(g*50 + i + 1)
				for _, sp := range []spanSpec{{trace: tr, id: 2, parent: 1, service: "a"}, {trace: tr, id: 1, service: "b"}} {
					td := batch(sp)
					td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetTraceID(pcommon.TraceID{byte(g), tr, 1})
					assert.NoError(t, p.ConsumeTraces(context.Background(), td))
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, 400, sink.SpanCount())
	ids := map[pcommon.TraceID]int{}
	for _, td := range sink.AllTraces() {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			for j := 0; j < td.ResourceSpans().At(i).ScopeSpans().Len(); j++ {
				spans := td.ResourceSpans().At(i).ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					ids[spans.At(k).TraceID()]++
				}
			}
		}
	}
	assert.Len(t, ids, 200)
}
