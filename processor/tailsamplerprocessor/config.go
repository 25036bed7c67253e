// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/quell-otel/quell/internal/bytesize"
)

// Condition types accepted in `rules[].type` (and in `all`/`any` entries).
const (
	TypeAttribute    = "attribute"
	TypeStatusCode   = "status_code"
	TypeDuration     = "duration"
	TypeSpanCount    = "span_count"
	TypeRootSpanName = "root_span_name"
	TypeTraceState   = "trace_state"
	TypeTraceFlags   = "trace_flags"
	TypeOTTL         = "ottl"
	TypeAll          = "all"
	TypeAny          = "any"
	TypeNot          = "not"
	TypeDefault      = "default"
	// TypeAlways matches every trace, at any position in the list (contrib's
	// always_sample, probabilistic and rate_limiting become rules of it).
	TypeAlways = "always"
)

// Rule actions accepted in `rules[].action`.
const (
	ActionKeep = "keep"
	ActionDrop = "drop"
)

// Adaptive key fields that are not attributes.
const (
	KeyRootName = "root.name"
	KeyStatus   = "status"
)

// maxSpanConditions bounds the span-level conditions (attribute, status_code,
// root_span_name, trace_state, trace_flags, ottl) over all rules: their matches are kept
// per trace in one 64-bit set.
const maxSpanConditions = 64

// Config is the configuration of the tail_sampler processor.
type Config struct {
	// DecisionWait is how long after the first span of a trace it is decided
	// at the latest. Zero is invalid; the default is 30s.
	DecisionWait time.Duration `mapstructure:"decision_wait"`
	// RootWait is the delay after the root span (a span without parent)
	// arrives before the trace is decided, to let its last children arrive.
	// Zero decides as soon as the root arrives. Default 2s.
	RootWait time.Duration `mapstructure:"root_wait"`
	// MaxSpansPerTrace decides a trace as soon as it has buffered this many
	// spans. Zero is invalid; the default is 10000.
	MaxSpansPerTrace int `mapstructure:"max_spans_per_trace"`
	// MaxBufferedBytes bounds the memory held by buffered spans (encoded
	// size plus per-trace overhead). Above it the oldest traces are decided
	// early; traces holding an error are decided last. Zero is invalid; the
	// default is 256 MiB.
	// Accepts bytes or a size such as 512MiB (internal/bytesize).
	MaxBufferedBytes bytesize.Size `mapstructure:"max_buffered_bytes"`
	// MaxSendSpans caps the spans of one request sent to the next consumer,
	// on the normal path and at shutdown; a larger trace is sent in parts.
	// Zero is invalid; the default is 8192.
	MaxSendSpans int `mapstructure:"max_send_spans"`
	// MaxSendBytes caps the OTLP-encoded size of one request sent to the
	// next consumer (bytes or a size such as 3MiB). The default, 3 MiB,
	// leaves room for the stamped tracestate and rule under a default gRPC
	// receiver's 4 MiB. Zero is invalid.
	MaxSendBytes bytesize.Size `mapstructure:"max_send_bytes"`
	// NumShards is the number of independent shards (trace ID hashed). Zero
	// means GOMAXPROCS.
	NumShards int `mapstructure:"num_shards"`
	// TickInterval is how often due traces are looked for. Zero is invalid;
	// the default is 100ms.
	TickInterval time.Duration `mapstructure:"tick_interval"`
	// SummaryInterval is how often one line saying what was decided and
	// kept (per rule) is logged at info level, and once more at shutdown.
	// Zero switches it off; the default is 1m.
	SummaryInterval time.Duration `mapstructure:"summary_interval"`
	// DecisionCache sizes the memory of past decisions used for late spans.
	DecisionCache DecisionCacheConfig `mapstructure:"decision_cache"`
	// RecordRule stamps `sampling.rule` with the deciding rule's name on every
	// kept span. Default true.
	RecordRule bool `mapstructure:"record_rule"`
	// DryRun keeps every span and only stamps the decision that would have
	// been taken (`sampling.rule`, `sampling.dry_run.kept`,
	// `sampling.dry_run.threshold`); tracestate is left untouched.
	DryRun bool `mapstructure:"dry_run"`
	// Rules are evaluated in order; the first match decides, except that a
	// rule of type `always` with probability, adaptive or rate_limit passes
	// the traces it does not keep on to the next rule. The last rule must
	// have type `default`.
	Rules []RuleConfig `mapstructure:"rules"`
}

// DecisionCacheConfig sizes the late-span decision caches (split evenly
// across shards).
type DecisionCacheConfig struct {
	// KeptTraces is the number of kept trace IDs remembered (LRU, with the
	// decision's threshold and rule). Zero disables it. Default 100000.
	KeptTraces int `mapstructure:"kept_traces"`
	// DroppedTraces is the number of dropped trace IDs remembered (64-bit
	// fingerprints, 16 bytes each, two rotating generations). Zero disables
	// it. Default 1000000.
	DroppedTraces int `mapstructure:"dropped_traces"`
}

// RuleConfig is one sampling rule: a condition and what to do on a match.
type RuleConfig struct {
	// Name identifies the rule in telemetry and in `sampling.rule`; required
	// and unique.
	Name string `mapstructure:"name"`
	// Condition says which traces the rule matches (its `type` and
	// parameters sit at the rule's top level).
	Condition ConditionConfig `mapstructure:",squash"`
	// Action is `keep` (default when empty) or `drop`.
	Action string `mapstructure:"action"`
	// Probability keeps a matching trace with this probability, in (0, 1].
	// Unset keeps every matching trace. Exclusive with Adaptive.
	Probability *float64 `mapstructure:"probability"`
	// Adaptive targets a throughput per key instead of a fixed probability.
	Adaptive *AdaptiveConfig `mapstructure:"adaptive"`
	// RateLimit caps what the rule keeps, in spans or bytes per second.
	// Unset: no cap. Exclusive with Adaptive and with action drop.
	RateLimit *RateLimitConfig `mapstructure:"rate_limit"`
}

// RateLimitConfig caps the spans or bytes per second a rule keeps (contrib's
// rate_limiting and bytes_limiting). Matching traces are kept with the
// probability that brings the rule's recent rate down to the budget (so
// their thresholds are honest), and a token bucket refuses whatever would
// still exceed it. Exactly one of SpansPerSecond and BytesPerSecond is set.
type RateLimitConfig struct {
	// SpansPerSecond is the budget in kept spans per second, per collector
	// instance (each shard has its share). Zero: not a span budget.
	SpansPerSecond int64 `mapstructure:"spans_per_second"`
	// BytesPerSecond is the budget in kept bytes per second (the OTLP
	// protobuf size of the trace's spans with their resource and scope),
	// per collector instance. Zero: not a byte budget.
	BytesPerSecond int64 `mapstructure:"bytes_per_second"`
	// BurstCapacity is the token bucket's size, in spans or bytes, per
	// shard; a trace larger than it is never kept by the rule. Zero means
	// twice the per-second budget.
	BurstCapacity int64 `mapstructure:"burst_capacity"`
}

// AdaptiveConfig targets a throughput of kept traces per key, raising rare
// keys and damping frequent ones, with an exponential moving average of each
// key's rate.
type AdaptiveConfig struct {
	// Key lists the fields forming the key: `resource.<attr>` (from the root
	// span's resource, else the first span's), `span.<attr>` (root span
	// attribute), `root.name`, `status` (`error` if any span failed, else
	// `ok`). Default: resource.service.name, root.name, status.
	Key []string `mapstructure:"key"`
	// TargetTracesPerSecond is the kept-trace rate aimed at per key (per
	// collector instance). Required, > 0.
	TargetTracesPerSecond float64 `mapstructure:"target_traces_per_second"`
	// MinProbability is the lowest probability given to any key, in (0, 1].
	// Zero means the default, 0.001.
	MinProbability float64 `mapstructure:"min_probability"`
	// AdjustmentInterval is how often the rates are folded into the moving
	// average. Zero means the default, 15s.
	AdjustmentInterval time.Duration `mapstructure:"adjustment_interval"`
	// Weight is the weight of the newest interval in the average, in (0, 1].
	// Zero means the default, 0.5.
	Weight float64 `mapstructure:"weight"`
	// MaxKeys bounds the keys tracked per shard; further keys share one
	// overflow key. Zero means the default, 1000.
	MaxKeys int `mapstructure:"max_keys"`
}

// ConditionConfig is a condition on a trace: a leaf match, or an `all` /
// `any` combination (type all or any) of sub-conditions, or the negation
// (type not) of one sub-condition; sub-conditions may combine once more.
type ConditionConfig struct {
	Match MatchConfig          `mapstructure:",squash"`
	All   []SubConditionConfig `mapstructure:"all"`
	Any   []SubConditionConfig `mapstructure:"any"`
	// Not is the condition negated by type not (matches when it does not).
	Not *SubConditionConfig `mapstructure:"not"`
}

// SubConditionConfig is an entry of `all` / `any`, or the operand of `not`:
// a leaf match or one more level of combination (whose entries are leaves).
type SubConditionConfig struct {
	Match MatchConfig   `mapstructure:",squash"`
	All   []MatchConfig `mapstructure:"all"`
	Any   []MatchConfig `mapstructure:"any"`
	// Not is the leaf condition negated by type not.
	Not *MatchConfig `mapstructure:"not"`
}

// MatchConfig is a leaf condition. Exactly the block named by Type is read.
type MatchConfig struct {
	// Type is one of attribute, status_code, duration, span_count,
	// root_span_name, trace_state, trace_flags (no block: any span has the
	// W3C sampled flag), ottl, all, any, not, always (no block: every
	// trace), default.
	Type         string            `mapstructure:"type"`
	Attribute    AttributeConfig   `mapstructure:"attribute"`
	StatusCode   StatusCodeConfig  `mapstructure:"status_code"`
	Duration     DurationConfig    `mapstructure:"duration"`
	SpanCount    SpanCountConfig   `mapstructure:"span_count"`
	RootSpanName StringMatchConfig `mapstructure:"root_span_name"`
	TraceState   TraceStateConfig  `mapstructure:"trace_state"`
	OTTL         OTTLConfig        `mapstructure:"ottl"`
}

// condNode is the uniform view of the three condition levels.
type condNode struct {
	m        *MatchConfig
	all, any []condNode
	not      *condNode
}

func (c *ConditionConfig) node() condNode {
	n := condNode{m: &c.Match}
	for i := range c.All {
		n.all = append(n.all, c.All[i].node())
	}
	for i := range c.Any {
		n.any = append(n.any, c.Any[i].node())
	}
	if c.Not != nil {
		sub := c.Not.node()
		n.not = &sub
	}
	return n
}

func (c *SubConditionConfig) node() condNode {
	n := condNode{m: &c.Match}
	for i := range c.All {
		n.all = append(n.all, condNode{m: &c.All[i]})
	}
	for i := range c.Any {
		n.any = append(n.any, condNode{m: &c.Any[i]})
	}
	if c.Not != nil {
		n.not = &condNode{m: c.Not}
	}
	return n
}

// AttributeConfig matches when any span (or its resource) has the attribute.
// With none of values/regex/min/max set it tests existence.
type AttributeConfig struct {
	// Key is the attribute name. Required.
	Key string `mapstructure:"key"`
	// Scope is `any` (default: span or resource), `span` or `resource`.
	Scope string `mapstructure:"scope"`
	// Values matches when the attribute's string form equals one of them.
	Values []string `mapstructure:"values"`
	// Regex matches the attribute's string form (RE2).
	Regex string `mapstructure:"regex"`
	// Min and Max bound a numeric (int or double) attribute, inclusive.
	Min *float64 `mapstructure:"min"`
	Max *float64 `mapstructure:"max"`
}

// StatusCodeConfig matches when any span has one of the status codes.
type StatusCodeConfig struct {
	// Codes are among ERROR, OK, UNSET. Required.
	Codes []string `mapstructure:"codes"`
}

// DurationConfig matches on the trace duration, from the earliest span start
// to the latest span end. At least one bound is required.
type DurationConfig struct {
	// Min matches traces at least this long. Zero is no lower bound.
	Min time.Duration `mapstructure:"min"`
	// Max matches traces at most this long. Zero is no upper bound.
	Max time.Duration `mapstructure:"max"`
}

// SpanCountConfig matches on the number of spans buffered for the trace.
type SpanCountConfig struct {
	// Min spans, inclusive. Zero is no lower bound.
	Min int `mapstructure:"min"`
	// Max spans, inclusive. Zero is no upper bound.
	Max int `mapstructure:"max"`
}

// StringMatchConfig matches a string exactly against Values or with Regex.
type StringMatchConfig struct {
	Values []string `mapstructure:"values"`
	Regex  string   `mapstructure:"regex"`
}

// TraceStateConfig matches when any span's W3C tracestate has Key set to one
// of Values.
type TraceStateConfig struct {
	Key    string   `mapstructure:"key"`
	Values []string `mapstructure:"values"`
}

// OTTLConfig matches when any span satisfies any of the OTTL span
// conditions, or any span event of any span satisfies any of the span event
// conditions. At least one condition is required.
type OTTLConfig struct {
	// Span conditions in the OTTL span context (parsed once at start).
	Span []string `mapstructure:"span"`
	// SpanEvent conditions in the OTTL span event context (paths
	// `spanevent.*`, `span.*`, `resource.*`, `scope.*`; parsed once at start).
	SpanEvent []string `mapstructure:"spanevent"`
	// ErrorMode is ignore (default), silent or propagate; on an evaluation
	// error the condition is false for that span (or span event).
	ErrorMode ottl.ErrorMode `mapstructure:"error_mode"`
}

var _ component.Config = (*Config)(nil)

// Upper bounds of the count- and size-like keys: far above any sane setting,
// low enough that a typo cannot make the collector allocate gigabytes.
const (
	maxDuration         = 24 * time.Hour
	maxTickInterval     = time.Minute
	maxSpansPerTraceMax = 1_000_000
	maxBufferedBytesMax = 1 << 40 // 1 TiB
	maxSendSpansMax     = 1_000_000
	maxSendBytesMax     = 1 << 30 // 1 GiB
	maxNumShards        = 1024
	maxKeptTraces       = 10_000_000
	maxDroppedTraces    = 100_000_000
	maxAdaptiveKeys     = 1_000_000
	maxRate             = 1 << 40
)

// inRange returns an error naming key unless lo <= v <= hi.
func inRange[T int | int64 | bytesize.Size | time.Duration](key string, v, lo, hi T) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s: must be in [%v, %v], got %v", key, lo, hi, v)
	}
	return nil
}

// Validate checks the configuration; every error names its YAML key.
func (cfg *Config) Validate() error {
	errs := []error{
		inRange("decision_wait", cfg.DecisionWait, time.Millisecond, maxDuration),
		inRange("root_wait", cfg.RootWait, 0, maxDuration),
		inRange("max_spans_per_trace", cfg.MaxSpansPerTrace, 1, maxSpansPerTraceMax),
		inRange("max_buffered_bytes", cfg.MaxBufferedBytes, 1, maxBufferedBytesMax),
		inRange("max_send_spans", cfg.MaxSendSpans, 1, maxSendSpansMax),
		inRange("max_send_bytes", cfg.MaxSendBytes, 1, maxSendBytesMax),
		inRange("num_shards", cfg.NumShards, 0, maxNumShards),
		inRange("tick_interval", cfg.TickInterval, time.Millisecond, maxTickInterval),
		inRange("summary_interval", cfg.SummaryInterval, 0, maxDuration),
		inRange("decision_cache.kept_traces", cfg.DecisionCache.KeptTraces, 0, maxKeptTraces),
		inRange("decision_cache.dropped_traces", cfg.DecisionCache.DroppedTraces, 0, maxDroppedTraces),
	}
	errs = append(errs, cfg.validateRules()...)
	return errors.Join(errs...)
}

// validateRules checks the rules list and each rule.
func (cfg *Config) validateRules() []error {
	var errs []error
	if len(cfg.Rules) == 0 {
		errs = append(errs, errors.New("rules: at least one rule is required, the last of type \"default\""))
	} else if cfg.Rules[len(cfg.Rules)-1].Condition.Match.Type != TypeDefault {
		errs = append(errs, fmt.Errorf("rules[%d].type: the last rule must have type \"default\" so no trace is left undecided", len(cfg.Rules)-1))
	}
	names := map[string]int{}
	spanConds := 0
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		key := fmt.Sprintf("rules[%d]", i)
		if r.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: required", key))
		} else if j, dup := names[r.Name]; dup {
			errs = append(errs, fmt.Errorf("%s.name: duplicate rule name %q (also rules[%d])", key, r.Name, j))
		} else {
			names[r.Name] = i
		}
		if r.Condition.Match.Type == TypeDefault && i != len(cfg.Rules)-1 {
			errs = append(errs, fmt.Errorf("%s.type: \"default\" is only allowed on the last rule", key))
		}
		errs = append(errs, validateCondition(key, r.Condition.node(), &spanConds)...)
		if j := endsList(cfg.Rules[:i]); j >= 0 {
			errs = append(errs, fmt.Errorf("%s: unreachable, rules[%d] (type always, keeping or dropping every trace) decides every trace", key, j))
		}
		switch r.Action {
		case "", ActionKeep:
		case ActionDrop:
			if r.Probability != nil || r.Adaptive != nil || r.RateLimit != nil {
				errs = append(errs, fmt.Errorf("%s.action: drop takes none of probability, adaptive, rate_limit", key))
			}
		default:
			errs = append(errs, fmt.Errorf("%s.action: must be keep or drop, got %q", key, r.Action))
		}
		if r.Probability != nil {
			if p := *r.Probability; !(p > 0 && p <= 1) || math.IsNaN(p) {
				errs = append(errs, fmt.Errorf("%s.probability: must be in (0, 1], got %v", key, p))
			}
			if r.Adaptive != nil {
				errs = append(errs, fmt.Errorf("%s: probability and adaptive are exclusive", key))
			}
		}
		if a := r.Adaptive; a != nil {
			errs = append(errs, validateAdaptive(key+".adaptive", a)...)
		}
		if rl := r.RateLimit; rl != nil {
			if r.Adaptive != nil {
				errs = append(errs, fmt.Errorf("%s: adaptive and rate_limit are exclusive", key))
			}
			errs = append(errs, validateRateLimit(key+".rate_limit", rl)...)
		}
	}
	if spanConds > maxSpanConditions {
		errs = append(errs, fmt.Errorf("rules: at most %d span-level conditions (attribute, status_code, root_span_name, trace_state, trace_flags, ottl) in total, got %d", maxSpanConditions, spanConds))
	}
	return errs
}

func validateRateLimit(key string, rl *RateLimitConfig) []error {
	var errs []error
	errs = append(errs,
		inRange(key+".spans_per_second", rl.SpansPerSecond, 0, maxRate),
		inRange(key+".bytes_per_second", rl.BytesPerSecond, 0, maxRate),
		inRange(key+".burst_capacity", rl.BurstCapacity, 0, maxRate))
	if (rl.SpansPerSecond > 0) == (rl.BytesPerSecond > 0) {
		errs = append(errs, fmt.Errorf("%s: set exactly one of spans_per_second or bytes_per_second", key))
	}
	return errs
}

func validateAdaptive(key string, a *AdaptiveConfig) []error {
	var errs []error
	if !(a.TargetTracesPerSecond > 0) {
		errs = append(errs, fmt.Errorf("%s.target_traces_per_second: must be > 0", key))
	}
	if a.MinProbability != 0 && !(a.MinProbability > 0 && a.MinProbability <= 1) {
		errs = append(errs, fmt.Errorf("%s.min_probability: must be in (0, 1], got %v", key, a.MinProbability))
	}
	if a.AdjustmentInterval < 0 {
		errs = append(errs, fmt.Errorf("%s.adjustment_interval: must be >= 0", key))
	}
	if a.Weight != 0 && !(a.Weight > 0 && a.Weight <= 1) {
		errs = append(errs, fmt.Errorf("%s.weight: must be in (0, 1], got %v", key, a.Weight))
	}
	errs = append(errs, inRange(key+".max_keys", a.MaxKeys, 0, maxAdaptiveKeys))
	for i, k := range a.Key {
		attr, isResource := strings.CutPrefix(k, "resource.")
		if !isResource {
			attr, _ = strings.CutPrefix(k, "span.")
		}
		validAttr := attr != k && attr != ""
		if k != KeyRootName && k != KeyStatus && !validAttr {
			errs = append(errs, fmt.Errorf("%s.key[%d]: must be resource.<attr>, span.<attr>, root.name or status, got %q", key, i, k))
		}
	}
	return errs
}

// endsList is the index of the first rule of type always that decides every
// trace it sees (no probability, adaptive or rate_limit to pass traces on),
// or -1: rules after it are unreachable.
func endsList(rules []RuleConfig) int {
	for i := range rules {
		r := &rules[i]
		if r.Condition.Match.Type == TypeAlways && !r.passesOn() {
			return i
		}
	}
	return -1
}

// passesOn says whether the rule hands the traces it does not keep to the
// next rule: a match-all rule that samples (see Config.Rules).
func (r *RuleConfig) passesOn() bool {
	if r.Condition.Match.Type != TypeAlways || r.Action == ActionDrop {
		return false
	}
	return r.Probability != nil || r.Adaptive != nil || r.RateLimit != nil
}

func validateCondition(key string, n condNode, spanConds *int) []error {
	c := n.m
	switch c.Type {
	case TypeAttribute, TypeStatusCode, TypeRootSpanName, TypeTraceState, TypeTraceFlags, TypeOTTL:
		*spanConds++
	}
	switch c.Type {
	case TypeDefault, TypeAlways, TypeTraceFlags:
		return nil
	case TypeAttribute:
		return validateAttribute(key+".attribute", &c.Attribute)
	case TypeStatusCode:
		return validateStatusCode(key+".status_code", &c.StatusCode)
	case TypeDuration:
		return validateRange(key+".duration", c.Duration.Min, c.Duration.Max)
	case TypeSpanCount:
		return validateRange(key+".span_count", c.SpanCount.Min, c.SpanCount.Max)
	case TypeRootSpanName:
		return validateRootSpanName(key+".root_span_name", &c.RootSpanName)
	case TypeTraceState:
		return validateTraceState(key+".trace_state", &c.TraceState)
	case TypeOTTL:
		return validateOTTL(key+".ottl", &c.OTTL)
	case TypeAll, TypeAny:
		return validateCombination(key, c.Type, n, spanConds)
	case TypeNot:
		if n.not == nil {
			return []error{fmt.Errorf("%s.not: a condition is required", key)}
		}
		return validateOperand(key+".not", TypeNot, *n.not, spanConds)
	case "":
		return []error{fmt.Errorf("%s.type: required (one of %s)", key, allTypes)}
	default:
		return []error{fmt.Errorf("%s.type: unknown rule type %q (one of %s)", key, c.Type, allTypes)}
	}
}

// validateCombination checks the entries of an all or any condition.
func validateCombination(key, typ string, n condNode, spanConds *int) []error {
	var errs []error
	subs := n.all
	if typ == TypeAny {
		subs = n.any
	}
	if len(subs) == 0 {
		errs = append(errs, fmt.Errorf("%s.%s: at least one condition is required", key, typ))
	}
	for i := range subs {
		errs = append(errs, validateOperand(fmt.Sprintf("%s.%s[%d]", key, typ, i), typ, subs[i], spanConds)...)
	}
	return errs
}

// validateAttribute checks an attribute block; key is its YAML path.
func validateAttribute(key string, a *AttributeConfig) []error {
	var errs []error
	if a.Key == "" {
		errs = append(errs, fmt.Errorf("%s.key: required", key))
	}
	switch a.Scope {
	case "", "any", "span", "resource":
	default:
		errs = append(errs, fmt.Errorf("%s.scope: must be any, span or resource, got %q", key, a.Scope))
	}
	modes := 0
	if len(a.Values) > 0 {
		modes++
	}
	if a.Regex != "" {
		modes++
		if _, err := regexp.Compile(a.Regex); err != nil {
			errs = append(errs, fmt.Errorf("%s.regex: %w", key, err))
		}
	}
	if a.Min != nil || a.Max != nil {
		modes++
		if a.Min != nil && a.Max != nil && *a.Min > *a.Max {
			errs = append(errs, fmt.Errorf("%s.min: must be <= max", key))
		}
	}
	if modes > 1 {
		errs = append(errs, fmt.Errorf("%s: set only one of values, regex, min/max", key))
	}
	return errs
}

func validateStatusCode(key string, sc *StatusCodeConfig) []error {
	var errs []error
	if len(sc.Codes) == 0 {
		errs = append(errs, fmt.Errorf("%s.codes: required", key))
	}
	for i, code := range sc.Codes {
		if _, ok := parseStatusCode(code); !ok {
			errs = append(errs, fmt.Errorf("%s.codes[%d]: must be ERROR, OK or UNSET, got %q", key, i, code))
		}
	}
	return errs
}

func validateRootSpanName(key string, m *StringMatchConfig) []error {
	var errs []error
	if (len(m.Values) == 0) == (m.Regex == "") {
		errs = append(errs, fmt.Errorf("%s: set exactly one of values or regex", key))
	}
	if m.Regex != "" {
		if _, err := regexp.Compile(m.Regex); err != nil {
			errs = append(errs, fmt.Errorf("%s.regex: %w", key, err))
		}
	}
	return errs
}

func validateTraceState(key string, ts *TraceStateConfig) []error {
	var errs []error
	if ts.Key == "" {
		errs = append(errs, fmt.Errorf("%s.key: required", key))
	}
	if len(ts.Values) == 0 {
		errs = append(errs, fmt.Errorf("%s.values: required", key))
	}
	return errs
}

// validateOTTL parses the OTTL conditions as Start will, so that Validate
// names the list that does not parse.
func validateOTTL(key string, o *OTTLConfig) []error {
	var errs []error
	if len(o.Span) == 0 && len(o.SpanEvent) == 0 {
		errs = append(errs, fmt.Errorf("%s: at least one span or spanevent condition is required", key))
	}
	nop := componenttest.NewNopTelemetrySettings()
	if _, err := parseOTTLSpan(*o, nop); err != nil {
		errs = append(errs, fmt.Errorf("%s.span: %w", key, err))
	}
	if _, err := parseOTTLSpanEvent(*o, nop); err != nil {
		errs = append(errs, fmt.Errorf("%s.spanevent: %w", key, err))
	}
	switch o.ErrorMode {
	case "", ottl.IgnoreError, ottl.SilentError, ottl.PropagateError:
	default:
		errs = append(errs, fmt.Errorf("%s.error_mode: must be ignore, silent or propagate, got %q", key, o.ErrorMode))
	}
	return errs
}

// validateOperand checks an operand of all, any or not, which may be any
// condition but default.
func validateOperand(key, parent string, n condNode, spanConds *int) []error {
	if n.m.Type == TypeDefault {
		return []error{fmt.Errorf("%s.type: \"default\" is not allowed inside %s", key, parent)}
	}
	return validateCondition(key, n, spanConds)
}

const allTypes = "attribute, status_code, duration, span_count, root_span_name, trace_state, trace_flags, ottl, all, any, not, always, default"

// validateRange checks a min/max pair where zero means unbounded: both
// non-negative, at least one set, and min <= max when max is set.
func validateRange[T int | time.Duration](key string, lo, hi T) []error {
	var errs []error
	if lo < 0 || hi < 0 {
		errs = append(errs, fmt.Errorf("%s: min and max must be >= 0", key))
	}
	if lo == 0 && hi == 0 {
		errs = append(errs, fmt.Errorf("%s: set min or max", key))
	}
	if hi > 0 && lo > hi {
		errs = append(errs, fmt.Errorf("%s.min: must be <= max", key))
	}
	return errs
}
