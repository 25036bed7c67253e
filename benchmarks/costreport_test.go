package benchmarks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/exporter/costreportexporter"
	"github.com/quell-otel/quell/internal/workload"
)

// The metering cost of cost_report beside a pass-through pipeline. The
// pass-through is what every OTLP-in, OTLP-out collector pipeline does at
// least: decode the request and encode it again. The cost_report variants
// add one metering exporter (stage ingested) or two (ingested and
// exported, the README's pattern without reduction in between);
// passthrough+cost_report_share times the metering and the pass-through
// apart inside each iteration (robust against a busy machine) and reports
// the metering's share; cost_report_only is the metering alone, and
// cost_report_only_berlin the same with `timezone: Europe/Berlin`.
//
//	go test -run '^$' -bench 'BenchmarkCostReport' -count 6 ./benchmarks/ | tee new.txt
//	benchstat -col /impl new.txt

type (
	tracesConsumer func(context.Context, ptrace.Traces) error
	logsConsumer   func(context.Context, plog.Logs) error
)

// berlin is the zone of the *_berlin variants: the same metering with
// charge periods cut in a zone with DST instead of UTC.
const berlin = "Europe/Berlin"

func newCostReportConfig(dir, stage string, timezone ...string) (*costreportexporter.Config, component.ID) {
	cfg := costreportexporter.NewFactory().CreateDefaultConfig().(*costreportexporter.Config)
	cfg.Directory = dir
	cfg.Stage = costreportexporter.Stage(stage)
	if len(timezone) > 0 && timezone[0] != "" {
		cfg.Timezone = timezone[0]
	}
	return cfg, component.MustNewIDWithName("cost_report", stage)
}

func startCostReportTraces(b *testing.B, dir, stage string, timezone ...string) (tracesConsumer, func()) {
	f := costreportexporter.NewFactory()
	cfg, id := newCostReportConfig(dir, stage, timezone...)
	set := exportertest.NewNopSettings(f.Type())
	set.ID = id
	e, err := f.CreateTraces(context.Background(), set, cfg)
	require.NoError(b, err)
	require.NoError(b, e.Start(context.Background(), componenttest.NewNopHost()))
	return e.ConsumeTraces, func() { require.NoError(b, e.Shutdown(context.Background())) }
}

func startCostReportLogs(b *testing.B, dir, stage string, timezone ...string) (logsConsumer, func()) {
	f := costreportexporter.NewFactory()
	cfg, id := newCostReportConfig(dir, stage, timezone...)
	set := exportertest.NewNopSettings(f.Type())
	set.ID = id
	e, err := f.CreateLogs(context.Background(), set, cfg)
	require.NoError(b, err)
	require.NoError(b, e.Start(context.Background(), componenttest.NewNopHost()))
	return e.ConsumeLogs, func() { require.NoError(b, e.Shutdown(context.Background())) }
}

func reportPer(b *testing.B, items int, unit string) {
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/float64(items), "ns/"+unit)
	b.ReportMetric(float64(items)*1e9/perOp, unit+"s/s")
}

func BenchmarkCostReportTraces(b *testing.B) {
	batch := workload.Merge(workload.NewTraceGenerator(workload.TraceOptions{Seed: 1}).Generate(100))
	spans := batch.SpanCount()
	req, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(batch)
	require.NoError(b, err)
	ctx := context.Background()

	pipeline := func(b *testing.B, meters ...tracesConsumer) {
		b.ReportAllocs()
		b.SetBytes(int64(len(req)))
		for b.Loop() {
			td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(req)
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range meters {
				if err := m(ctx, td); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td); err != nil {
				b.Fatal(err)
			}
		}
		reportPer(b, spans, "span")
		b.ReportMetric(float64(len(req))/float64(spans), "B/span")
	}
	b.Run("impl=passthrough", func(b *testing.B) { pipeline(b) })
	b.Run("impl=passthrough+cost_report", func(b *testing.B) {
		in, stop := startCostReportTraces(b, b.TempDir(), "ingested")
		defer stop()
		pipeline(b, in)
	})
	b.Run("impl=passthrough+cost_report_x2", func(b *testing.B) {
		dir := b.TempDir()
		in, stopIn := startCostReportTraces(b, dir, "ingested")
		defer stopIn()
		out, stopOut := startCostReportTraces(b, dir, "exported")
		defer stopOut()
		pipeline(b, in, out)
	})
	// The share, timed within each iteration so that load on a shared
	// machine hits both parts alike: decode, meter, encode.
	b.Run("impl=passthrough+cost_report_share", func(b *testing.B) {
		in, stop := startCostReportTraces(b, b.TempDir(), "ingested")
		defer stop()
		b.ReportAllocs()
		var pass, meter time.Duration
		for b.Loop() {
			t0 := time.Now()
			td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(req)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if err := in(ctx, td); err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			if _, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td); err != nil {
				b.Fatal(err)
			}
			pass += t1.Sub(t0) + time.Since(t2)
			meter += t2.Sub(t1)
		}
		b.ReportMetric(100*float64(meter)/float64(pass), "meter_%_of_passthrough")
		b.ReportMetric(float64(meter.Nanoseconds())/float64(b.N)/float64(spans), "meter_ns/span")
		b.ReportMetric(float64(pass.Nanoseconds())/float64(b.N)/float64(spans), "passthrough_ns/span")
	})
	for _, tz := range []string{"", berlin} {
		name := "impl=cost_report_only"
		if tz != "" {
			name += "_berlin"
		}
		b.Run(name, func(b *testing.B) {
			in, stop := startCostReportTraces(b, b.TempDir(), "ingested", tz)
			defer stop()
			b.ReportAllocs()
			for b.Loop() {
				if err := in(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			reportPer(b, spans, "span")
		})
	}
}

func BenchmarkCostReportLogs(b *testing.B) {
	batch := workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(2000)
	records := batch.LogRecordCount()
	req, err := (&plog.ProtoMarshaler{}).MarshalLogs(batch)
	require.NoError(b, err)
	ctx := context.Background()

	pipeline := func(b *testing.B, meters ...logsConsumer) {
		b.ReportAllocs()
		b.SetBytes(int64(len(req)))
		for b.Loop() {
			ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(req)
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range meters {
				if err := m(ctx, ld); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld); err != nil {
				b.Fatal(err)
			}
		}
		reportPer(b, records, "record")
		b.ReportMetric(float64(len(req))/float64(records), "B/record")
	}
	b.Run("impl=passthrough", func(b *testing.B) { pipeline(b) })
	b.Run("impl=passthrough+cost_report", func(b *testing.B) {
		in, stop := startCostReportLogs(b, b.TempDir(), "ingested")
		defer stop()
		pipeline(b, in)
	})
	b.Run("impl=passthrough+cost_report_x2", func(b *testing.B) {
		dir := b.TempDir()
		in, stopIn := startCostReportLogs(b, dir, "ingested")
		defer stopIn()
		out, stopOut := startCostReportLogs(b, dir, "exported")
		defer stopOut()
		pipeline(b, in, out)
	})
	b.Run("impl=passthrough+cost_report_share", func(b *testing.B) {
		in, stop := startCostReportLogs(b, b.TempDir(), "ingested")
		defer stop()
		b.ReportAllocs()
		var pass, meter time.Duration
		for b.Loop() {
			t0 := time.Now()
			ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(req)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if err := in(ctx, ld); err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			if _, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld); err != nil {
				b.Fatal(err)
			}
			pass += t1.Sub(t0) + time.Since(t2)
			meter += t2.Sub(t1)
		}
		b.ReportMetric(100*float64(meter)/float64(pass), "meter_%_of_passthrough")
		b.ReportMetric(float64(meter.Nanoseconds())/float64(b.N)/float64(records), "meter_ns/record")
		b.ReportMetric(float64(pass.Nanoseconds())/float64(b.N)/float64(records), "passthrough_ns/record")
	})
	for _, tz := range []string{"", berlin} {
		name := "impl=cost_report_only"
		if tz != "" {
			name += "_berlin"
		}
		b.Run(name, func(b *testing.B) {
			in, stop := startCostReportLogs(b, b.TempDir(), "ingested", tz)
			defer stop()
			b.ReportAllocs()
			for b.Loop() {
				if err := in(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			reportPer(b, records, "record")
		})
	}
}
