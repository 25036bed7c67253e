package alertcorrelatorprocessor // import "github.com/quell-otel/quell/processor/alertcorrelatorprocessor"

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"go.opentelemetry.io/collector/processor"
)

// outgoingItems adds the incident records the correlator sends on its own
// to the collector's otelcol_processor_outgoing_items. processorhelper
// counts only what processLogs returns; records decided on a tick or at
// shutdown go from the outbox straight to the next consumer. The counter
// is processorhelper's own instrument: the same meter scope, name, unit
// and description make the SDK hand back that instrument, and the same
// attributes add to the same series.
type outgoingItems struct {
	counter metric.Int64Counter
	attrs   metric.MeasurementOption
}

// processorhelper's meter scope and attribute keys (processorhelper
// v0.159 obsreport.go, processor/internal.ProcessorKey).
const (
	processorHelperScope = "go.opentelemetry.io/collector/processor/processorhelper"
	processorKey         = "processor"
	signalKey            = "otel.signal"
)

func newOutgoingItems(set processor.Settings) (*outgoingItems, error) {
	c, err := set.TelemetrySettings.MeterProvider.Meter(processorHelperScope).Int64Counter(
		"otelcol_processor_outgoing_items",
		metric.WithDescription("Number of items emitted from the processor. [Alpha]"),
		metric.WithUnit("{item}"),
	)
	if err != nil {
		return nil, err
	}
	return &outgoingItems{counter: c, attrs: metric.WithAttributeSet(attribute.NewSet(
		attribute.String(processorKey, set.ID.String()),
		attribute.String(signalKey, "logs"),
	))}, nil
}

// add counts n records sent to the next consumer outside processLogs.
func (o *outgoingItems) add(ctx context.Context, n int) {
	if o != nil && n > 0 {
		o.counter.Add(ctx, int64(n), o.attrs)
	}
}
