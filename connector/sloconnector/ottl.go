package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// spanCondition is one parsed OTTL span condition.
type spanCondition = ottl.Condition[*ottlspan.TransformContext]

func newSpanParser(set component.TelemetrySettings) (ottl.Parser[*ottlspan.TransformContext], error) {
	return ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), set)
}

// parseSpanCondition parses one condition, for validation.
func parseSpanCondition(c string) (*spanCondition, error) {
	p, err := newSpanParser(componenttest.NewNopTelemetrySettings())
	if err != nil {
		return nil, err
	}
	return p.ParseCondition(c)
}

// evalSpan evaluates cond on a span; an evaluation error counts as false
// (the condition does not hold), as contrib's ignore error mode.
func evalSpan(ctx context.Context, cond *spanCondition, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) bool {
	tCtx := ottlspan.NewTransformContextPtr(rs, ss, span)
	ok, err := cond.Eval(ctx, tCtx)
	tCtx.Close()
	return err == nil && ok
}
