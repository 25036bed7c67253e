// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// twoSpanTraces builds one two-span trace per name; names starting with
// "err" carry an error on their child span.
func twoSpanTraces(ids map[string]pcommon.TraceID) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	for name, id := range ids {
		for i := range 2 {
			sp := ss.Spans().AppendEmpty()
			sp.SetTraceID(id)
			sp.SetSpanID(pcommon.SpanID{byte(i + 1)})
			sp.SetName(name)
			sp.SetStartTimestamp(pcommon.Timestamp(t0))
			sp.SetEndTimestamp(pcommon.Timestamp(t0 + int64(time.Millisecond)))
			if i > 0 {
				sp.SetParentSpanID(pcommon.SpanID{1})
				if strings.HasPrefix(name, "err") {
					sp.Status().SetCode(ptrace.StatusCodeError)
				}
			}
		}
	}
	return td
}

// keptByName is "rule tracestate" of every kept span, by span name.
func (h *harness) keptByName() map[string][]string {
	got := map[string][]string{}
	for _, s := range h.kept() {
		got[s.name] = append(got[s.name], s.rule+" "+s.tracestate)
	}
	return got
}

// A match-all rule that samples decides only what it keeps: contrib's
// probabilistic policy followed by its status_code policy, as rules.
func TestAlwaysRulePassesOnWhatItDoesNotKeep(t *testing.T) {
	half := RuleConfig{Name: "half", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAlways}}, Probability: prob(0.5)}
	drop := RuleConfig{Name: "default", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Action: ActionDrop}
	cfg := baseConfig(half, ruleErrors(), drop)
	h := newHarness(t, cfg)
	// Randomness 0.9 passes the 50% threshold (T = 0.5 * 2^56), 0.1 fails it.
	hiR, loR := uint64(9)<<56/10, uint64(1)<<56/10
	h.consume(t, twoSpanTraces(map[string]pcommon.TraceID{
		"err-lo":  traceIDWithRandomness(1, loR),
		"err-hi":  traceIDWithRandomness(2, hiR),
		"norm-hi": traceIDWithRandomness(3, hiR),
		"norm-lo": traceIDWithRandomness(4, loR),
	}))
	h.advance(t, cfg.RootWait)
	assert.Equal(t, map[string][]string{
		"err-lo":  {"errors ot=th:0", "errors ot=th:0"},
		"err-hi":  {"half ot=th:8", "half ot=th:8"},
		"norm-hi": {"half ot=th:8", "half ot=th:8"},
	}, h.keptByName())
	h.shutdown(t)
}

// A rate-limited match-all rule passes the traces over its budget on to a
// probability rule, as contrib's rate_limiting and probabilistic together.
func TestAlwaysRateLimitOverflowGoesToNextRule(t *testing.T) {
	capped := RuleConfig{Name: "capped", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAlways}},
		RateLimit: &RateLimitConfig{SpansPerSecond: 2, BurstCapacity: 4}}
	cfg := baseConfig(capped, ruleDefault(prob(0.5)))
	cfg.NumShards = 1
	h := newHarness(t, cfg)
	ids := map[string]pcommon.TraceID{}
	for i := range 6 {
		ids["lo"+string(rune('a'+i))] = traceIDWithRandomness(uint64(i+1), uint64(1)<<56/10)
		ids["hi"+string(rune('a'+i))] = traceIDWithRandomness(uint64(i+11), uint64(9)<<56/10)
	}
	h.consume(t, twoSpanTraces(ids))
	h.advance(t, cfg.RootWait)
	byRule := map[string]map[string]bool{"capped": {}, "default": {}}
	for _, s := range h.kept() {
		byRule[s.rule][s.name] = true
	}
	// The bucket holds 4 spans: two traces, whatever their randomness. Of
	// the ten passed on, exactly the "hi" ones (0.9) pass the default's 50%.
	assert.Len(t, byRule["capped"], 2, "kept by the rate-limited rule")
	hiCapped := 0
	for name := range byRule["capped"] {
		if strings.HasPrefix(name, "hi") {
			hiCapped++
		}
	}
	assert.Len(t, byRule["default"], 6-hiCapped)
	for name := range byRule["default"] {
		assert.True(t, strings.HasPrefix(name, "hi"), name)
	}
	h.shutdown(t)
}
