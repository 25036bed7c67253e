// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/quell-otel/quell/processor/tailsamplerprocessor/internal/metadata"
)

func f64(v float64) *float64 { return &v }

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	def := createDefaultConfig().(*Config)
	def.Rules = []RuleConfig{{Name: "default", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}}}

	full := &Config{
		DecisionWait:     20 * time.Second,
		RootWait:         3 * time.Second,
		MaxSpansPerTrace: 5000,
		MaxBufferedBytes: 100 << 20,
		MaxSendSpans:     1000,
		MaxSendBytes:     1 << 20,
		NumShards:        4,
		TickInterval:     50 * time.Millisecond,
		SummaryInterval:  time.Minute,
		DecisionCache:    DecisionCacheConfig{KeptTraces: 5000, DroppedTraces: 200000},
		RecordRule:       false,
		DryRun:           true,
		Rules: []RuleConfig{
			{Name: "errors", Condition: ConditionConfig{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}}},
			{Name: "slow", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDuration, Duration: DurationConfig{Min: 2 * time.Second}}}},
			{Name: "health-checks", Condition: ConditionConfig{Match: MatchConfig{Type: TypeRootSpanName, RootSpanName: StringMatchConfig{Regex: "^GET /healthz"}}}, Action: ActionDrop},
			{Name: "sampled-upstream", Condition: ConditionConfig{Match: MatchConfig{Type: TypeTraceFlags}}},
			{Name: "gold-tenant", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "tenant.tier", Scope: "resource", Values: []string{"gold"}}}}, Probability: f64(0.5)},
			{Name: "big-5xx", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAll}, All: []SubConditionConfig{
				{Match: MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "http.response.status_code", Min: f64(500), Max: f64(599)}}},
				{Match: MatchConfig{Type: TypeAny}, Any: []MatchConfig{
					{Type: TypeSpanCount, SpanCount: SpanCountConfig{Min: 50}},
					{Type: TypeTraceState, TraceState: TraceStateConfig{Key: "vendor", Values: []string{"debug"}}},
				}},
			}}},
			{Name: "external-errors", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAll}, All: []SubConditionConfig{
				{Match: MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"ERROR"}}}},
				{Match: MatchConfig{Type: TypeNot}, Not: &MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "internal"}}},
			}}},
			{Name: "not-tiny-or-internal", Condition: ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{
				Match: MatchConfig{Type: TypeAny}, Any: []MatchConfig{
					{Type: TypeAttribute, Attribute: AttributeConfig{Key: "internal"}},
					{Type: TypeSpanCount, SpanCount: SpanCountConfig{Max: 1}},
				},
			}}, Probability: f64(0.25)},
			{Name: "checkout", Condition: ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: []string{`span.attributes["http.route"] == "/checkout"`}, ErrorMode: ottl.PropagateError}}}},
			{Name: "exceptions", Condition: ConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{
				Span:      []string{`span.name == "charge"`},
				SpanEvent: []string{`spanevent.name == "exception"`, `IsMatch(spanevent.attributes["exception.type"], "Timeout")`},
			}}}},
			{Name: "capped-search", Condition: ConditionConfig{Match: MatchConfig{Type: TypeRootSpanName, RootSpanName: StringMatchConfig{Values: []string{"GET /search"}}}},
				Probability: f64(0.5), RateLimit: &RateLimitConfig{SpansPerSecond: 1000, BurstCapacity: 5000}},
			{Name: "capped-bytes", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "payload.size", Min: f64(1000000)}}},
				RateLimit: &RateLimitConfig{BytesPerSecond: 1 << 20}},
			{Name: "contrib-probabilistic", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAlways}}, Probability: f64(0.1)},
			{Name: "contrib-rate-limiting", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAlways}}, RateLimit: &RateLimitConfig{SpansPerSecond: 500}},
			{Name: "per-endpoint", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}, Adaptive: &AdaptiveConfig{
				Key: []string{"resource.service.name", "root.name", "status"}, TargetTracesPerSecond: 5, MinProbability: 0.01,
				AdjustmentInterval: 30 * time.Second, Weight: 0.3, MaxKeys: 500,
			}},
		},
	}

	for _, tc := range []struct {
		id   component.ID
		want *Config
	}{
		{component.NewID(metadata.Type), def},
		{component.NewIDWithName(metadata.Type, "full"), full},
	} {
		t.Run(tc.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tc.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tc.want, cfg)
			_, err = compileRules(cfg.(*Config), componentTestSettings())
			require.NoError(t, err)
		})
	}
}

func TestUnknownKeysAreRejected(t *testing.T) {
	cfg := createDefaultConfig()
	err := confmap.NewFromStringMap(map[string]any{
		"rules": []any{map[string]any{"name": "x", "type": "default", "sampling_rate": 0.5}},
	}).Unmarshal(cfg)
	require.ErrorContains(t, err, "sampling_rate")
}

func TestConfigValidateErrors(t *testing.T) {
	okDefault := RuleConfig{Name: "default", Condition: ConditionConfig{Match: MatchConfig{Type: TypeDefault}}}
	withRules := func(rules ...RuleConfig) func(*Config) {
		return func(c *Config) { c.Rules = rules }
	}
	match := func(m MatchConfig) ConditionConfig { return ConditionConfig{Match: m} }
	cases := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"no rules", withRules(), []string{"rules: at least one rule is required"}},
		{"missing default rule", withRules(ruleErrors()), []string{`rules[0].type: the last rule must have type "default"`}},
		{"default not last", withRules(okDefault, RuleConfig{Name: "d2", Condition: match(MatchConfig{Type: TypeDefault})}), []string{`rules[0].type: "default" is only allowed on the last rule`}},
		{"always then default is fine", withRules(RuleConfig{Name: "p", Condition: match(MatchConfig{Type: TypeAlways}), Probability: f64(0.5)}, okDefault), nil},
		{"always keeping all ends the list", withRules(RuleConfig{Name: "all", Condition: match(MatchConfig{Type: TypeAlways})}, ruleErrors(), okDefault), []string{
			"rules[1]: unreachable, rules[0] (type always, keeping or dropping every trace) decides every trace",
			"rules[2]: unreachable, rules[0]"}},
		{"always dropping all ends the list", withRules(RuleConfig{Name: "none", Condition: match(MatchConfig{Type: TypeAlways}), Action: ActionDrop}, okDefault), []string{"rules[1]: unreachable, rules[0]"}},
		{"always as last rule", withRules(RuleConfig{Name: "p", Condition: match(MatchConfig{Type: TypeAlways}), Probability: f64(0.5)}), []string{`rules[0].type: the last rule must have type "default"`}},
		{"unknown rule type", withRules(RuleConfig{Name: "x", Condition: match(MatchConfig{Type: "latency"})}, okDefault), []string{`rules[0].type: unknown rule type "latency"`}},
		{"missing type", withRules(RuleConfig{Name: "x"}, okDefault), []string{"rules[0].type: required"}},
		{"duplicate names", withRules(ruleErrors(), RuleConfig{Name: "errors", Condition: match(MatchConfig{Type: TypeSpanCount, SpanCount: SpanCountConfig{Min: 1}})}, okDefault), []string{`rules[1].name: duplicate rule name "errors" (also rules[0])`}},
		{"missing name", withRules(RuleConfig{Condition: match(MatchConfig{Type: TypeDefault})}), []string{"rules[0].name: required"}},
		{"probability zero", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Probability: f64(0)}), []string{"rules[0].probability: must be in (0, 1], got 0"}},
		{"probability above one", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Probability: f64(1.5)}), []string{"rules[0].probability: must be in (0, 1], got 1.5"}},
		{"probability negative", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Probability: f64(-0.1)}), []string{"rules[0].probability: must be in (0, 1]"}},
		{"bad ottl", withRules(RuleConfig{Name: "o", Condition: match(MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: []string{`span.attributes["x" ==`}}})}, okDefault), []string{"rules[0].ottl.span:"}},
		{"empty ottl", withRules(RuleConfig{Name: "o", Condition: match(MatchConfig{Type: TypeOTTL})}, okDefault), []string{"rules[0].ottl: at least one span or spanevent condition is required"}},
		{"bad ottl spanevent", withRules(RuleConfig{Name: "o", Condition: match(MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: []string{"true"}, SpanEvent: []string{`spanevent.name ==`}}})}, okDefault), []string{"rules[0].ottl.spanevent:"}},
		{"spanevent path in span list", withRules(RuleConfig{Name: "o", Condition: match(MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: []string{`spanevent.name == "x"`}}})}, okDefault), []string{"rules[0].ottl.span:"}},
		{"nested ottl keyed", withRules(RuleConfig{Name: "o", Condition: ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{SpanEvent: []string{`nope(`}}}}}}, okDefault), []string{"rules[0].not.ottl.spanevent:"}},
		{"bad ottl error mode", withRules(RuleConfig{Name: "o", Condition: match(MatchConfig{Type: TypeOTTL, OTTL: OTTLConfig{Span: []string{"true"}, ErrorMode: "loud"}})}, okDefault), []string{"rules[0].ottl.error_mode: must be ignore, silent or propagate"}},
		{"bad action", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Action: "sample"}), []string{`rules[0].action: must be keep or drop, got "sample"`}},
		{"drop with probability", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Action: ActionDrop, Probability: f64(0.5)}), []string{"rules[0].action: drop takes none of probability, adaptive, rate_limit"}},
		{"drop with rate limit", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Action: ActionDrop, RateLimit: &RateLimitConfig{SpansPerSecond: 1}}), []string{"rules[0].action: drop takes none of probability, adaptive, rate_limit"}},
		{"rate limit and adaptive", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Adaptive: &AdaptiveConfig{TargetTracesPerSecond: 1}, RateLimit: &RateLimitConfig{SpansPerSecond: 1}}), []string{"rules[0]: adaptive and rate_limit are exclusive"}},
		{"rate limit empty", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), RateLimit: &RateLimitConfig{}}), []string{"rules[0].rate_limit: set exactly one of spans_per_second or bytes_per_second"}},
		{"rate limit both", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), RateLimit: &RateLimitConfig{SpansPerSecond: 1, BytesPerSecond: 1}}), []string{"rules[0].rate_limit: set exactly one of spans_per_second or bytes_per_second"}},
		{"rate limit negative", withRules(ruleErrors(), RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), RateLimit: &RateLimitConfig{SpansPerSecond: -1, BytesPerSecond: -2, BurstCapacity: -3}}), []string{
			"rules[1].rate_limit.spans_per_second: must be in [0, 1099511627776], got -1", "rules[1].rate_limit.bytes_per_second: must be in [0, 1099511627776]",
			"rules[1].rate_limit: set exactly one of spans_per_second or bytes_per_second", "rules[1].rate_limit.burst_capacity: must be in [0, 1099511627776]",
		}},
		{"probability and adaptive", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Probability: f64(0.5), Adaptive: &AdaptiveConfig{TargetTracesPerSecond: 1}}), []string{"rules[0]: probability and adaptive are exclusive"}},
		{"adaptive bad fields", withRules(RuleConfig{Name: "d", Condition: match(MatchConfig{Type: TypeDefault}), Adaptive: &AdaptiveConfig{MinProbability: 2, Weight: -1, AdjustmentInterval: -1, MaxKeys: -1, Key: []string{"host"}}}), []string{
			"rules[0].adaptive.target_traces_per_second: must be > 0",
			"rules[0].adaptive.min_probability: must be in (0, 1], got 2",
			"rules[0].adaptive.adjustment_interval: must be >= 0",
			"rules[0].adaptive.weight: must be in (0, 1], got -1",
			"rules[0].adaptive.max_keys: must be in [0, 1000000]",
			`rules[0].adaptive.key[0]: must be resource.<attr>, span.<attr>, root.name or status, got "host"`,
		}},
		{"attribute without key", withRules(RuleConfig{Name: "a", Condition: match(MatchConfig{Type: TypeAttribute})}, okDefault), []string{"rules[0].attribute.key: required"}},
		{"attribute bad scope", withRules(RuleConfig{Name: "a", Condition: match(MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "k", Scope: "scope"}})}, okDefault), []string{`rules[0].attribute.scope: must be any, span or resource, got "scope"`}},
		{"attribute two modes", withRules(RuleConfig{Name: "a", Condition: match(MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "k", Values: []string{"v"}, Regex: "v"}})}, okDefault), []string{"rules[0].attribute: set only one of values, regex, min/max"}},
		{"attribute bad regex", withRules(RuleConfig{Name: "a", Condition: match(MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "k", Regex: "("}})}, okDefault), []string{"rules[0].attribute.regex:"}},
		{"attribute min above max", withRules(RuleConfig{Name: "a", Condition: match(MatchConfig{Type: TypeAttribute, Attribute: AttributeConfig{Key: "k", Min: f64(5), Max: f64(1)}})}, okDefault), []string{"rules[0].attribute.min: must be <= max"}},
		{"status code empty", withRules(RuleConfig{Name: "s", Condition: match(MatchConfig{Type: TypeStatusCode})}, okDefault), []string{"rules[0].status_code.codes: required"}},
		{"status code unknown", withRules(RuleConfig{Name: "s", Condition: match(MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"FAILED"}}})}, okDefault), []string{`rules[0].status_code.codes[0]: must be ERROR, OK or UNSET, got "FAILED"`}},
		{"duration unset", withRules(RuleConfig{Name: "d1", Condition: match(MatchConfig{Type: TypeDuration})}, okDefault), []string{"rules[0].duration: set min or max"}},
		{"duration inverted", withRules(RuleConfig{Name: "d1", Condition: match(MatchConfig{Type: TypeDuration, Duration: DurationConfig{Min: 2 * time.Second, Max: time.Second}})}, okDefault), []string{"rules[0].duration.min: must be <= max"}},
		{"duration negative", withRules(RuleConfig{Name: "d1", Condition: match(MatchConfig{Type: TypeDuration, Duration: DurationConfig{Min: -1}})}, okDefault), []string{"rules[0].duration: min and max must be >= 0"}},
		{"span count unset", withRules(RuleConfig{Name: "c", Condition: match(MatchConfig{Type: TypeSpanCount})}, okDefault), []string{"rules[0].span_count: set min or max"}},
		{"span count inverted", withRules(RuleConfig{Name: "c", Condition: match(MatchConfig{Type: TypeSpanCount, SpanCount: SpanCountConfig{Min: 5, Max: 2}})}, okDefault), []string{"rules[0].span_count.min: must be <= max"}},
		{"span count negative", withRules(RuleConfig{Name: "c", Condition: match(MatchConfig{Type: TypeSpanCount, SpanCount: SpanCountConfig{Min: -5}})}, okDefault), []string{"rules[0].span_count: min and max must be >= 0"}},
		{"root name both", withRules(RuleConfig{Name: "r", Condition: match(MatchConfig{Type: TypeRootSpanName, RootSpanName: StringMatchConfig{Values: []string{"a"}, Regex: "a"}})}, okDefault), []string{"rules[0].root_span_name: set exactly one of values or regex"}},
		{"root name bad regex", withRules(RuleConfig{Name: "r", Condition: match(MatchConfig{Type: TypeRootSpanName, RootSpanName: StringMatchConfig{Regex: "["}})}, okDefault), []string{"rules[0].root_span_name.regex:"}},
		{"trace state empty", withRules(RuleConfig{Name: "t", Condition: match(MatchConfig{Type: TypeTraceState})}, okDefault), []string{"rules[0].trace_state.key: required", "rules[0].trace_state.values: required"}},
		{"all empty", withRules(RuleConfig{Name: "a", Condition: match(MatchConfig{Type: TypeAll})}, okDefault), []string{"rules[0].all: at least one condition is required"}},
		{"nested error keyed", withRules(RuleConfig{Name: "a", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAny}, Any: []SubConditionConfig{
			{Match: MatchConfig{Type: TypeAll}, All: []MatchConfig{{Type: "nope"}}},
			{Match: MatchConfig{Type: TypeDefault}},
		}}}, okDefault), []string{`rules[0].any[0].all[0].type: unknown rule type "nope"`, `rules[0].any[1].type: "default" is not allowed inside any`}},
		{"not without operand", withRules(RuleConfig{Name: "n", Condition: match(MatchConfig{Type: TypeNot})}, okDefault), []string{"rules[0].not: a condition is required"}},
		{"not default", withRules(RuleConfig{Name: "n", Condition: ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{Match: MatchConfig{Type: TypeDefault}}}}, okDefault), []string{`rules[0].not.type: "default" is not allowed inside not`}},
		{"not nested error keyed", withRules(RuleConfig{Name: "n", Condition: ConditionConfig{Match: MatchConfig{Type: TypeNot}, Not: &SubConditionConfig{
			Match: MatchConfig{Type: TypeAll}, All: []MatchConfig{{Type: TypeStatusCode}},
		}}}, okDefault), []string{"rules[0].not.all[0].status_code.codes: required"}},
		{"not inside all without operand", withRules(RuleConfig{Name: "n", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAll}, All: []SubConditionConfig{
			{Match: MatchConfig{Type: TypeNot}},
		}}}, okDefault), []string{"rules[0].all[0].not: a condition is required"}},
		{"not leaf bad", withRules(RuleConfig{Name: "n", Condition: ConditionConfig{Match: MatchConfig{Type: TypeAny}, Any: []SubConditionConfig{
			{Match: MatchConfig{Type: TypeNot}, Not: &MatchConfig{Type: TypeDuration}},
		}}}, okDefault), []string{"rules[0].any[0].not.duration: set min or max"}},
		{"too many span conditions", func(c *Config) {
			c.Rules = nil
			for i := range 65 {
				c.Rules = append(c.Rules, RuleConfig{Name: string(rune('A' + i)), Condition: match(MatchConfig{Type: TypeStatusCode, StatusCode: StatusCodeConfig{Codes: []string{"OK"}}})})
			}
			c.Rules = append(c.Rules, okDefault)
		}, []string{"rules: at most 64 span-level conditions"}},
		{"bad top level", func(c *Config) {
			c.DecisionWait, c.RootWait, c.MaxSpansPerTrace, c.MaxBufferedBytes, c.NumShards, c.TickInterval = 0, -1, 0, 0, -1, 0
			c.DecisionCache = DecisionCacheConfig{KeptTraces: -1, DroppedTraces: -1}
			c.MaxSendSpans, c.MaxSendBytes = 0, 0
		}, []string{
			"decision_wait: must be in [1ms, 24h0m0s], got 0s", "root_wait: must be in [0s, 24h0m0s]", "max_spans_per_trace: must be in [1, 1000000]",
			"max_buffered_bytes: must be in [1, 1TiB]", "num_shards: must be in [0, 1024], got -1", "tick_interval: must be in [1ms, 1m0s]",
			"decision_cache.kept_traces: must be in [0, 10000000]", "decision_cache.dropped_traces: must be in [0, 100000000]",
			"max_send_spans: must be in [1, 1000000]", "max_send_bytes: must be in [1, 1GiB]",
		}},
		{"absurd sizes", func(c *Config) {
			c.NumShards, c.MaxSpansPerTrace, c.MaxBufferedBytes = 100_000_000, 1<<30, 1<<50
			c.DecisionCache = DecisionCacheConfig{KeptTraces: 1 << 40, DroppedTraces: 1 << 40}
			c.MaxSendSpans, c.MaxSendBytes = 1<<30, 1<<40
		}, []string{
			"num_shards: must be in [0, 1024], got 100000000", "max_spans_per_trace:", "max_buffered_bytes:",
			"decision_cache.kept_traces:", "decision_cache.dropped_traces:", "max_send_spans:", "max_send_bytes:",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Rules = []RuleConfig{okDefault}
			tc.mutate(cfg)
			err := cfg.Validate()
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}
