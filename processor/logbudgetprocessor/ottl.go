package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric/noop"
	nooptrace "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
)

// newConditionParser returns an OTTL parser for log conditions. Paths may be
// written with context names (log.attributes, resource.attributes) or bare.
func newConditionParser(set component.TelemetrySettings) (ottl.Parser[*ottllog.TransformContext], error) {
	return ottllog.NewParser(ottlfuncs.StandardConverters[*ottllog.TransformContext](), set)
}

// parseCondition parses one condition for validation.
func parseCondition(c string) (*ottl.Condition[*ottllog.TransformContext], error) {
	p, err := newConditionParser(component.TelemetrySettings{
		Logger:         zap.NewNop(),
		TracerProvider: nooptrace.NewTracerProvider(),
		MeterProvider:  noop.NewMeterProvider(),
	})
	if err != nil {
		return nil, err
	}
	return p.ParseCondition(c)
}
