package costreportexporter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/exporter/costreportexporter/internal/metadatatest"
)

func TestInternalTelemetry(t *testing.T) {
	ctx := context.Background()
	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(ctx)) }()
	cfg := testConfig(t.TempDir(), StageIngested)
	cfg.MaxKeys = 2
	e, err := newFactory(newFakeClock("2026-11-22T02:15:00Z").Now).CreateLogs(ctx, metadatatest.NewSettings(tt), cfg)
	require.NoError(t, err)
	require.NoError(t, e.Start(ctx, componenttest.NewNopHost()))

	ld := makeLogs(res{"a", "prod", "", 2}, res{"b", "prod", "", 3}, res{"c", "prod", "", 4})
	require.NoError(t, e.ConsumeLogs(ctx, ld))
	attrs := attribute.NewSet(attribute.String("stage", "ingested"), attribute.String("signal", "logs"))
	metadatatest.AssertEqualCostReportRecordsMetered(t, tt,
		[]metricdata.DataPoint[int64]{{Attributes: attrs, Value: 9}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualCostReportBytesMetered(t, tt,
		[]metricdata.DataPoint[int64]{{Attributes: attrs, Value: int64((&plog.ProtoMarshaler{}).LogsSize(ld))}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualCostReportKeyOverflow(t, tt,
		[]metricdata.DataPoint[int64]{{Attributes: attrs, Value: 4}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	// Two keys plus the overflow key.
	metadatatest.AssertEqualCostReportLedgerKeys(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())

	require.NoError(t, e.Shutdown(ctx))
	// Hourly CSV + JSON, daily CSV + JSON + HTML + log patterns JSON.
	metadatatest.AssertEqualCostReportReportsWritten(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 6}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}
