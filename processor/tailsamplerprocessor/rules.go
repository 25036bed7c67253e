// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspanevent"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Span-level conditions (attribute, status code, root span name, trace state,
// trace flags, OTTL) are evaluated once per span as it arrives and OR-ed into a 64-bit set
// on the trace, so no span has to be looked at again at decision time.
// Trace-level conditions (duration, span count) and the all/any/not/default
// combinations are evaluated on the trace summary when it is decided, so
// `not` over a span-level condition means "no span matches".

// spanPred is one span-level condition; it owns one bit of the trace's set.
type spanPred interface {
	match(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, root bool) bool
}

type condKind uint8

const (
	condSpanBit condKind = iota
	condDuration
	condSpanCount
	condAll
	condAny
	condNot
	condDefault
)

// cond is a compiled condition tree node.
type cond struct {
	kind     condKind
	bit      uint64
	min, max uint64 // duration in ns / span count; max 0 = unbounded
	children []cond
}

// summary is what the trace-level conditions see.
type summary struct {
	bits     uint64
	spans    uint64
	duration uint64
}

func (c *cond) eval(s *summary) bool {
	switch c.kind {
	case condSpanBit:
		return s.bits&c.bit != 0
	case condDuration:
		return s.duration >= c.min && (c.max == 0 || s.duration <= c.max)
	case condSpanCount:
		return s.spans >= c.min && (c.max == 0 || s.spans <= c.max)
	case condAll:
		for i := range c.children {
			if !c.children[i].eval(s) {
				return false
			}
		}
		return true
	case condAny:
		for i := range c.children {
			if c.children[i].eval(s) {
				return true
			}
		}
		return false
	case condNot:
		return !c.children[0].eval(s)
	default:
		return true
	}
}

type sampleMode uint8

const (
	modeAlways sampleMode = iota
	modeProbability
	modeAdaptive
	modeDrop
)

// rule is a compiled rule.
type rule struct {
	name      string
	cond      cond
	mode      sampleMode
	threshold sampling.Threshold // modeProbability
	// thState is "ot=th:<threshold>" for rules whose threshold is fixed.
	thState    string
	thStateFor sampling.Threshold
	adaptive   *AdaptiveConfig
	adaptIdx   int // index among adaptive rules
	keyFields  []keyField
	// rateLimit is the rule's rate_limit (nil without one, or on a drop
	// rule); limitIdx is its index among rate-limited rules.
	rateLimit *RateLimitConfig
	limitIdx  int
	// passOn hands the traces this rule does not keep to the next rule
	// (RuleConfig.passesOn).
	passOn bool
}

type keyFieldKind uint8

const (
	keyResource keyFieldKind = iota
	keySpan
	keyRootName
	keyStatus
)

type keyField struct {
	kind keyFieldKind
	attr string
}

// ruleSet is the compiled configuration.
type ruleSet struct {
	rules    []rule
	preds    []spanPred
	adaptive []*rule
	limited  []*rule // in limitIdx order
}

// adaptiveKeyFields compiles an adaptive rule's key (its default when
// empty).
func adaptiveKeyFields(keys []string) []keyField {
	if len(keys) == 0 {
		keys = []string{"resource.service.name", KeyRootName, KeyStatus}
	}
	var out []keyField
	for _, k := range keys {
		switch {
		case k == KeyRootName:
			out = append(out, keyField{kind: keyRootName})
		case k == KeyStatus:
			out = append(out, keyField{kind: keyStatus})
		case strings.HasPrefix(k, "resource."):
			out = append(out, keyField{kind: keyResource, attr: strings.TrimPrefix(k, "resource.")})
		default:
			out = append(out, keyField{kind: keySpan, attr: strings.TrimPrefix(k, "span.")})
		}
	}
	return out
}

func compileRules(cfg *Config, set component.TelemetrySettings) (*ruleSet, error) {
	rs := &ruleSet{}
	for i := range cfg.Rules {
		rc := &cfg.Rules[i]
		c, err := rs.compileCond(rc.Condition.node(), set)
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		r := rule{name: rc.Name, cond: c, passOn: rc.passesOn()}
		if rc.Action != ActionDrop {
			r.rateLimit = rc.RateLimit
		}
		switch {
		case rc.Action == ActionDrop:
			r.mode = modeDrop
		case rc.Adaptive != nil:
			r.mode = modeAdaptive
			a := *rc.Adaptive
			adaptiveDefaults(&a)
			r.adaptive = &a
			r.keyFields = adaptiveKeyFields(a.Key)
		case rc.Probability != nil && *rc.Probability < 1:
			th, err := sampling.ProbabilityToThreshold(*rc.Probability)
			if err != nil {
				return nil, fmt.Errorf("rules[%d].probability: %w", i, err)
			}
			r.mode = modeProbability
			r.threshold = th
		default:
			r.mode = modeAlways
		}
		switch r.mode {
		case modeAlways:
			r.thState, r.thStateFor = "ot=th:"+sampling.AlwaysSampleThreshold.TValue(), sampling.AlwaysSampleThreshold
		case modeProbability:
			r.thState, r.thStateFor = "ot=th:"+r.threshold.TValue(), r.threshold
		}
		rs.rules = append(rs.rules, r)
	}
	for i := range rs.rules {
		if rs.rules[i].mode == modeAdaptive {
			rs.rules[i].adaptIdx = len(rs.adaptive)
			rs.adaptive = append(rs.adaptive, &rs.rules[i])
		}
		if rs.rules[i].rateLimit != nil {
			rs.rules[i].limitIdx = len(rs.limited)
			rs.limited = append(rs.limited, &rs.rules[i])
		}
	}
	return rs, nil
}

func (rs *ruleSet) addPred(p spanPred) (cond, error) {
	if len(rs.preds) >= maxSpanConditions {
		return cond{}, fmt.Errorf("more than %d span-level conditions", maxSpanConditions)
	}
	bit := uint64(1) << len(rs.preds)
	rs.preds = append(rs.preds, p)
	return cond{kind: condSpanBit, bit: bit}, nil
}

// compileCond compiles one condition: span-level leaves become predicate
// bits, trace-level ones (duration, span count) and combinations are
// evaluated on the trace summary.
func (rs *ruleSet) compileCond(n condNode, set component.TelemetrySettings) (cond, error) {
	c := n.m
	switch c.Type {
	case TypeDefault, TypeAlways:
		return cond{kind: condDefault}, nil
	case TypeDuration:
		return cond{kind: condDuration, min: uint64(c.Duration.Min), max: uint64(c.Duration.Max)}, nil
	case TypeSpanCount:
		return cond{kind: condSpanCount, min: uint64(c.SpanCount.Min), max: uint64(c.SpanCount.Max)}, nil
	case TypeAll:
		return rs.compileList(condAll, c.Type, n.all, set)
	case TypeAny:
		return rs.compileList(condAny, c.Type, n.any, set)
	case TypeNot:
		return rs.compileNot(n, set)
	}
	p, err := newSpanPred(c, set)
	if err != nil {
		return cond{}, err
	}
	return rs.addPred(p)
}

// compileList compiles the operands of an all or any condition.
func (rs *ruleSet) compileList(kind condKind, typ string, subs []condNode, set component.TelemetrySettings) (cond, error) {
	out := cond{kind: kind}
	for i := range subs {
		sc, err := rs.compileCond(subs[i], set)
		if err != nil {
			return cond{}, fmt.Errorf("%s[%d]: %w", typ, i, err)
		}
		out.children = append(out.children, sc)
	}
	return out, nil
}

func (rs *ruleSet) compileNot(n condNode, set component.TelemetrySettings) (cond, error) {
	if n.not == nil {
		return cond{}, fmt.Errorf("not: a condition is required")
	}
	sc, err := rs.compileCond(*n.not, set)
	if err != nil {
		return cond{}, fmt.Errorf("not: %w", err)
	}
	return cond{kind: condNot, children: []cond{sc}}, nil
}

// newSpanPred builds the predicate of a span-level condition.
func newSpanPred(c *MatchConfig, set component.TelemetrySettings) (spanPred, error) {
	switch c.Type {
	case TypeAttribute:
		return newAttrPred(&c.Attribute)
	case TypeStatusCode:
		p := &statusPred{}
		for _, s := range c.StatusCode.Codes {
			code, _ := parseStatusCode(s)
			p.codes[code] = true
		}
		return p, nil
	case TypeRootSpanName:
		m, err := newStringMatch(c.RootSpanName.Values, c.RootSpanName.Regex)
		if err != nil {
			return nil, err
		}
		return &rootNamePred{m: m}, nil
	case TypeTraceState:
		return &traceStatePred{key: c.TraceState.Key, values: c.TraceState.Values}, nil
	case TypeTraceFlags:
		return sampledFlagPred{}, nil
	case TypeOTTL:
		return newOTTLPred(c.OTTL, set)
	}
	return nil, fmt.Errorf("unknown rule type %q", c.Type)
}

func newOTTLPred(c OTTLConfig, set component.TelemetrySettings) (spanPred, error) {
	span, err := parseOTTLSpan(c, set)
	if err != nil {
		return nil, fmt.Errorf("ottl.span: %w", err)
	}
	event, err := parseOTTLSpanEvent(c, set)
	if err != nil {
		return nil, fmt.Errorf("ottl.spanevent: %w", err)
	}
	eventIndex := slices.ContainsFunc(c.SpanEvent, func(s string) bool { return strings.Contains(s, "event_index") })
	return &ottlPred{span: span, event: event, eventIndex: eventIndex}, nil
}

func parseStatusCode(s string) (ptrace.StatusCode, bool) {
	switch strings.ToUpper(s) {
	case "ERROR":
		return ptrace.StatusCodeError, true
	case "OK":
		return ptrace.StatusCodeOk, true
	case "UNSET":
		return ptrace.StatusCodeUnset, true
	}
	return 0, false
}

type statusPred struct{ codes [3]bool }

func (p *statusPred) match(_ context.Context, _ ptrace.ResourceSpans, _ ptrace.ScopeSpans, span ptrace.Span, _ bool) bool {
	c := span.Status().Code()
	return int(c) < len(p.codes) && p.codes[c]
}

type stringMatch struct {
	values []string
	re     *regexp.Regexp
}

func newStringMatch(values []string, re string) (stringMatch, error) {
	m := stringMatch{values: values}
	if re != "" {
		r, err := regexp.Compile(re)
		if err != nil {
			return m, err
		}
		m.re = r
	}
	return m, nil
}

func (m *stringMatch) match(s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	return slices.Contains(m.values, s)
}

type rootNamePred struct{ m stringMatch }

func (p *rootNamePred) match(_ context.Context, _ ptrace.ResourceSpans, _ ptrace.ScopeSpans, span ptrace.Span, root bool) bool {
	return root && p.m.match(span.Name())
}

type traceStatePred struct {
	key    string
	values []string
}

func (p *traceStatePred) match(_ context.Context, _ ptrace.ResourceSpans, _ ptrace.ScopeSpans, span ptrace.Span, _ bool) bool {
	ts := span.TraceState().AsRaw()
	if ts == "" {
		return false
	}
	for member := range strings.SplitSeq(ts, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(member), "=")
		if ok && k == p.key && slices.Contains(p.values, v) {
			return true
		}
	}
	return false
}

// sampledFlagPred matches a span whose W3C trace flags (the low byte of its
// flags) have the sampled bit set, like contrib's trace_flags policy.
type sampledFlagPred struct{}

func (sampledFlagPred) match(_ context.Context, _ ptrace.ResourceSpans, _ ptrace.ScopeSpans, span ptrace.Span, _ bool) bool {
	return byte(span.Flags())&0x01 != 0
}

type attrPred struct {
	key            string
	span, resource bool
	exists         bool
	m              stringMatch
	numeric        bool
	min, max       float64
	hasMin, hasMax bool
}

func newAttrPred(c *AttributeConfig) (*attrPred, error) {
	p := &attrPred{key: c.Key, span: c.Scope != "resource", resource: c.Scope != "span"}
	switch {
	case len(c.Values) > 0 || c.Regex != "":
		m, err := newStringMatch(c.Values, c.Regex)
		if err != nil {
			return nil, err
		}
		p.m = m
	case c.Min != nil || c.Max != nil:
		p.numeric = true
		if c.Min != nil {
			p.hasMin, p.min = true, *c.Min
		}
		if c.Max != nil {
			p.hasMax, p.max = true, *c.Max
		}
	default:
		p.exists = true
	}
	return p, nil
}

func (p *attrPred) test(v pcommon.Value) bool {
	switch {
	case p.exists:
		return true
	case p.numeric:
		var f float64
		switch v.Type() {
		case pcommon.ValueTypeInt:
			f = float64(v.Int())
		case pcommon.ValueTypeDouble:
			f = v.Double()
		default:
			return false
		}
		return (!p.hasMin || f >= p.min) && (!p.hasMax || f <= p.max)
	case v.Type() == pcommon.ValueTypeStr:
		return p.m.match(v.Str())
	default:
		return p.m.match(v.AsString())
	}
}

func (p *attrPred) match(_ context.Context, rs ptrace.ResourceSpans, _ ptrace.ScopeSpans, span ptrace.Span, _ bool) bool {
	if p.span {
		if v, ok := span.Attributes().Get(p.key); ok && p.test(v) {
			return true
		}
	}
	if p.resource {
		if v, ok := rs.Resource().Attributes().Get(p.key); ok && p.test(v) {
			return true
		}
	}
	return false
}

// ottlPred matches a span when any span condition holds for it, or any
// span event condition holds for one of its events (contrib ottl_condition's
// semantics). Either sequence may be absent.
type ottlPred struct {
	span  *ottl.ConditionSequence[*ottlspan.TransformContext]
	event *ottl.ConditionSequence[*ottlspanevent.TransformContext]
	// eventIndex: a span event condition reads spanevent.event_index.
	// Passing the index costs three allocations per event, so only then.
	eventIndex bool
}

func ottlErrorMode(c OTTLConfig) ottl.ErrorMode {
	if c.ErrorMode == "" {
		return ottl.IgnoreError
	}
	return c.ErrorMode
}

// parseOTTLSpan parses the span conditions; nil when there are none.
func parseOTTLSpan(c OTTLConfig, set component.TelemetrySettings) (*ottl.ConditionSequence[*ottlspan.TransformContext], error) {
	return parseOTTL(c.Span, ottlErrorMode(c), set, func() (ottl.Parser[*ottlspan.TransformContext], error) {
		return ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), set, ottlspan.EnablePathContextNames())
	})
}

// parseOTTLSpanEvent parses the span event conditions; nil when there are
// none.
func parseOTTLSpanEvent(c OTTLConfig, set component.TelemetrySettings) (*ottl.ConditionSequence[*ottlspanevent.TransformContext], error) {
	return parseOTTL(c.SpanEvent, ottlErrorMode(c), set, func() (ottl.Parser[*ottlspanevent.TransformContext], error) {
		return ottlspanevent.NewParser(ottlfuncs.StandardConverters[*ottlspanevent.TransformContext](), set, ottlspanevent.EnablePathContextNames())
	})
}

func parseOTTL[K any](conditions []string, mode ottl.ErrorMode, set component.TelemetrySettings, newParser func() (ottl.Parser[K], error)) (*ottl.ConditionSequence[K], error) {
	if len(conditions) == 0 {
		return nil, nil
	}
	parser, err := newParser()
	if err != nil {
		return nil, err
	}
	conds, err := parser.ParseConditions(conditions)
	if err != nil {
		return nil, err
	}
	seq := ottl.NewConditionSequence(conds, set, ottl.WithConditionSequenceErrorMode[K](mode))
	return &seq, nil
}

func (p *ottlPred) match(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, _ bool) bool {
	if p.span != nil {
		tCtx := ottlspan.NewTransformContextPtr(rs, ss, span)
		ok, err := p.span.Eval(ctx, tCtx)
		tCtx.Close()
		if err == nil && ok {
			return true
		}
	}
	if p.event != nil {
		events := span.Events()
		for i := 0; i < events.Len(); i++ {
			var tCtx *ottlspanevent.TransformContext
			if p.eventIndex {
				tCtx = ottlspanevent.NewTransformContextPtr(rs, ss, span, events.At(i), ottlspanevent.WithEventIndex(int64(i)))
			} else {
				tCtx = ottlspanevent.NewTransformContextPtr(rs, ss, span, events.At(i))
			}
			ok, err := p.event.Eval(ctx, tCtx)
			tCtx.Close()
			if err == nil && ok {
				return true
			}
		}
	}
	return false
}
