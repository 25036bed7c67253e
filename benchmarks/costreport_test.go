package benchmarks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/quell-otel/quell/exporter/costreportexporter"
	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/logbudgetprocessor"
)

// The metering cost of cost_report beside a pass-through pipeline. The
// pass-through is what every OTLP-in, OTLP-out collector pipeline does at
// least: decode the request and encode it again. The cost_report variants
// add one metering exporter (stage ingested) or two (ingested and
// exported on one report directory, the README's pattern without
// reduction in between); passthrough+cost_report_share times the metering
// and the pass-through apart inside each iteration (robust against a busy
// machine) and reports the metering's share, of the sums
// (meter_%_of_passthrough) and of the median iteration (meter_%_median);
// cost_report_only is the metering alone, and cost_report_only_berlin the
// same with `timezone: Europe/Berlin`.
//
//	go test -run '^$' -bench 'BenchmarkCostReport' -count 6 ./benchmarks/ | tee new.txt
//	benchstat -col /impl new.txt

// berlin is the zone of the *_berlin variants: the same metering with
// charge periods cut in a zone with DST instead of UTC.
const berlin = "Europe/Berlin"

// costReportSignal is what the cost_report benchmarks need of one signal
// whose data is T: a batch, its OTLP codec and the exporter's consumer.
type costReportSignal[T any] struct {
	batch     T
	items     int
	unit      string // one item: "span", "record"
	marshal   func(T) ([]byte, error)
	unmarshal func([]byte) (T, error)
	create    func(exporter.Factory, exporter.Settings, component.Config) (component.Component, func(context.Context, T) error, error)
}

// meter starts a cost_report exporter of factory f (instances of one
// factory share the ledger of their directory, as in a collector) and
// shuts it down when the benchmark ends. An empty tz keeps the default;
// opts change the configuration further.
func (s *costReportSignal[T]) meter(b *testing.B, f exporter.Factory, dir, stage, tz string, opts ...func(*costreportexporter.Config)) func(context.Context, T) error {
	cfg := f.CreateDefaultConfig().(*costreportexporter.Config)
	cfg.Directory = dir
	cfg.Stage = costreportexporter.Stage(stage)
	if tz != "" {
		cfg.Timezone = tz
	}
	for _, o := range opts {
		o(cfg)
	}
	set := exportertest.NewNopSettings(f.Type())
	set.ID = component.MustNewIDWithName("cost_report", stage)
	e, consume, err := s.create(f, set, cfg)
	require.NoError(b, err)
	require.NoError(b, e.Start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { require.NoError(b, e.Shutdown(context.Background())) })
	return consume
}

func (s *costReportSignal[T]) reportPer(b *testing.B) {
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/float64(s.items), "ns/"+s.unit)
	b.ReportMetric(float64(s.items)*1e9/perOp, s.unit+"s/s")
}

func benchmarkCostReport[T any](b *testing.B, s *costReportSignal[T]) {
	req, err := s.marshal(s.batch)
	require.NoError(b, err)
	ctx := context.Background()

	pipeline := func(b *testing.B, meters ...func(context.Context, T) error) {
		b.ReportAllocs()
		b.SetBytes(int64(len(req)))
		for b.Loop() {
			data, err := s.unmarshal(req)
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range meters {
				if err := m(ctx, data); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := s.marshal(data); err != nil {
				b.Fatal(err)
			}
		}
		s.reportPer(b)
		b.ReportMetric(float64(len(req))/float64(s.items), "B/"+s.unit)
	}
	b.Run("impl=passthrough", func(b *testing.B) { pipeline(b) })
	b.Run("impl=passthrough+cost_report", func(b *testing.B) {
		pipeline(b, s.meter(b, costreportexporter.NewFactory(), b.TempDir(), "ingested", ""))
	})
	b.Run("impl=passthrough+cost_report_x2", func(b *testing.B) {
		f, dir := costreportexporter.NewFactory(), b.TempDir()
		pipeline(b, s.meter(b, f, dir, "ingested", ""), s.meter(b, f, dir, "exported", ""))
	})
	// The share, timed within each iteration so that load on a shared
	// machine hits both parts alike: decode, meter, encode. The
	// _nopatterns variant meters without the pattern table
	// (patterns.max_patterns: 0): keys and exact sizes only.
	b.Run("impl=passthrough+cost_report_share", func(b *testing.B) {
		s.share(b, req, s.meter(b, costreportexporter.NewFactory(), b.TempDir(), "ingested", ""))
	})
	b.Run("impl=passthrough+cost_report_share_nopatterns", func(b *testing.B) {
		s.share(b, req, s.meter(b, costreportexporter.NewFactory(), b.TempDir(), "ingested", "",
			func(cfg *costreportexporter.Config) { cfg.Patterns.MaxPatterns = 0 }))
	})
	for _, tz := range []string{"", berlin} {
		name := "impl=cost_report_only"
		if tz != "" {
			name += "_berlin"
		}
		b.Run(name, func(b *testing.B) {
			in := s.meter(b, costreportexporter.NewFactory(), b.TempDir(), "ingested", tz)
			b.ReportAllocs()
			for b.Loop() {
				if err := in(ctx, s.batch); err != nil {
					b.Fatal(err)
				}
			}
			s.reportPer(b)
		})
	}
}

// share times decoding req, metering it with in and encoding it again
// apart inside each iteration and reports the metering's share of the
// pass-through (decode and encode).
func (s *costReportSignal[T]) share(b *testing.B, req []byte, in func(context.Context, T) error) {
	ctx := context.Background()
	b.ReportAllocs()
	var pass, meter time.Duration
	shares := make([]float64, 0, 4096)
	for b.Loop() {
		t0 := time.Now()
		data, err := s.unmarshal(req)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := in(ctx, data); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := s.marshal(data); err != nil {
			b.Fatal(err)
		}
		p, m := t1.Sub(t0)+time.Since(t2), t2.Sub(t1)
		pass += p
		meter += m
		shares = append(shares, 100*float64(m)/float64(p))
	}
	b.ReportMetric(100*float64(meter)/float64(pass), "meter_%_of_passthrough")
	// The median iteration's share: a neighbour's process descheduling
	// this one inside the short metering window inflates the sums above,
	// not the median.
	slices.Sort(shares)
	b.ReportMetric(shares[len(shares)/2], "meter_%_median")
	b.ReportMetric(float64(meter.Nanoseconds())/float64(b.N)/float64(s.items), "meter_ns/"+s.unit)
	b.ReportMetric(float64(pass.Nanoseconds())/float64(b.N)/float64(s.items), "passthrough_ns/"+s.unit)
}

func BenchmarkCostReportTraces(b *testing.B) {
	batch := workload.Merge(workload.NewTraceGenerator(workload.TraceOptions{Seed: 1}).Generate(100))
	benchmarkCostReport(b, &costReportSignal[ptrace.Traces]{
		batch: batch, items: batch.SpanCount(), unit: "span",
		marshal:   (&ptrace.ProtoMarshaler{}).MarshalTraces,
		unmarshal: (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces,
		create: func(f exporter.Factory, set exporter.Settings, cfg component.Config) (component.Component, func(context.Context, ptrace.Traces) error, error) {
			e, err := f.CreateTraces(context.Background(), set, cfg)
			if err != nil {
				return nil, nil, err
			}
			return e, e.ConsumeTraces, nil
		},
	})
}

// logsSignal is the logs side of the cost_report benchmarks.
func logsSignal(batch plog.Logs) *costReportSignal[plog.Logs] {
	return &costReportSignal[plog.Logs]{
		batch: batch, items: batch.LogRecordCount(), unit: "record",
		marshal:   (&plog.ProtoMarshaler{}).MarshalLogs,
		unmarshal: (&plog.ProtoUnmarshaler{}).UnmarshalLogs,
		create: func(f exporter.Factory, set exporter.Settings, cfg component.Config) (component.Component, func(context.Context, plog.Logs) error, error) {
			e, err := f.CreateLogs(context.Background(), set, cfg)
			if err != nil {
				return nil, nil, err
			}
			return e, e.ConsumeLogs, nil
		},
	}
}

func BenchmarkCostReportLogs(b *testing.B) {
	benchmarkCostReport(b, logsSignal(workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(2000)))
}

// annotate stamps every record as log_budget does with annotate: true
// (log.record.template and log.record.template_id, the template here the
// body's first two words), so cost_report also fills its pattern table.
func annotate(ld plog.Logs) plog.Logs {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				words := strings.Fields(lr.Body().AsString())
				tmpl := strings.Join(words[:min(2, len(words))], " ") + " <*>"
				lr.Attributes().PutStr("log.record.template", tmpl)
				lr.Attributes().PutStr("log.record.template_id", fmt.Sprintf("%016x", xxhash.Sum64String(tmpl)))
			}
		}
	}
	return ld
}

// BenchmarkCostReportLogsAnnotated is BenchmarkCostReportLogs on records
// annotated by annotate: the metering then also tallies log patterns. Its
// templates (the body's first two words) are nearly one per record (1,139
// in the batch of 2,000, more than patterns.max_patterns): the worst case
// of the pattern table, most records finding no entry and no room.
func BenchmarkCostReportLogsAnnotated(b *testing.B) {
	benchmarkCostReport(b, logsSignal(annotate(workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(2000))))
}

// BenchmarkCostReportLogsLogBudget is BenchmarkCostReportLogs on records
// the log_budget processor annotated (annotate: true, nothing dropped),
// as the README's pipeline meters them: log_budget's own templates.
func BenchmarkCostReportLogsLogBudget(b *testing.B) {
	f := logbudgetprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	raw := map[string]any{"annotate": true, "dedup": map[string]any{"enabled": false}}
	require.NoError(b, confmap.NewFromStringMap(raw).Unmarshal(cfg))
	sink := new(consumertest.LogsSink)
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(b, err)
	stop := startLogs(b, p)
	require.NoError(b, p.ConsumeLogs(context.Background(), workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(2000)))
	stop()
	require.Len(b, sink.AllLogs(), 1)
	require.Equal(b, 2000, sink.AllLogs()[0].LogRecordCount(), "log_budget keeps every record")
	benchmarkCostReport(b, logsSignal(sink.AllLogs()[0]))
}
