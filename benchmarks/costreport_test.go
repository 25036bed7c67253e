package benchmarks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
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

// placementLogBudget is the log_budget of config/cost-report.yaml
// (annotate: true, so that the exported meter has template IDs to tally).
var placementLogBudget = map[string]any{
	"annotate": true,
	"budget":   map[string]any{"bytes_per_second": 65536, "bytes_per_day": 1000000000},
	"dedup":    map[string]any{"window": "30s"},
}

// BenchmarkCostReportLogsPlacement meters log_budget's workload in the
// README's placement: an ingested meter on every decoded record (not
// billed beside an exported meter, so it tallies no patterns), log_budget
// reducing the batch, an exported meter on what it kept (billed: it
// tallies patterns), then the encode for the backend. Both meters are
// set against the pass-through of the same input (decode and encode of
// the whole batch, timed in the same iteration on its own decode, as in
// the other …_share benchmarks): meters_%_of_passthrough. The
// pipeline's own decode and encode (the input, the kept records) are
// the second reference: meters_%_of_codec. log_budget's own time counts
// in neither.
//
// impl=…_placement reduces each batch with a new log_budget, in process,
// so every batch is reduced as a first batch is (dedup keeps each
// template's first record; a running processor, whose windows are open,
// keeps fewer): the exported meter's share is an upper bound, and the
// garbage of each new log_budget's template tree is collected beside the
// timed parts. impl=…_placement_decoded meters, in place of that, the
// same log_budget output encoded once and decoded in each iteration (no
// log_budget in the loop, the kept records freshly decoded as after a
// network hop).
//
// impl=…_placement_nopatterns is …_placement with both meters at
// patterns.max_patterns: 0 (on a directory of their own): keys and exact
// sizes only. Beside …_placement it is what the exported meter's pattern
// table costs in the placement, on log_budget's in-process output (issue
// 19, seventh pass: the most a tally handed over by log_budget could take
// off the meters).
//
// impl=…_placement_drop_template is config/cost-report.yaml's placement
// (issue 19): …_placement_decoded with the backend on a branch of its own.
// The exported meter (patterns.template_attributes: removed, on its own
// directory) sizes the records without the template attributes; then the
// branch does what the collector's fanout and transform/drop_template do,
// a copy of the batch (the fanout clones for a consumer that mutates) and
// contrib's transform processor deleting both attributes, and the encode
// is of what the backend receives. branch_%_median is the copy and the
// transform, as a share of the pass-through; the rest as above.
// impl=…_placement_clone_only is the same with the copy alone (the encode
// then of the annotated copy), to tell the copy from the transform.
func BenchmarkCostReportLogsPlacement(b *testing.B) {
	batch := workload.NewLogGenerator(workload.LogOptions{Seed: 1}).Batch(2000)
	s := logsSignal(batch)
	req, err := s.marshal(batch)
	require.NoError(b, err)
	f, dir := costreportexporter.NewFactory(), b.TempDir()
	in := s.meter(b, f, dir, "ingested", "")
	out := s.meter(b, f, dir, "exported", "")
	removed := func(c *costreportexporter.Config) { c.Patterns.TemplateAttributes = "removed" }
	dropDir := b.TempDir()
	dropIn := s.meter(b, f, dropDir, "ingested", "", removed)
	dropOut := s.meter(b, f, dropDir, "exported", "", removed)
	noPat := func(c *costreportexporter.Config) { c.Patterns.MaxPatterns = 0 }
	npDir := b.TempDir()
	npIn := s.meter(b, f, npDir, "ingested", "", noPat)
	npOut := s.meter(b, f, npDir, "exported", "", noPat)
	var once logBudgetReducer
	once.prepare(b)
	require.NoError(b, once.lb.ConsumeLogs(context.Background(), batch))
	keptReq, err := s.marshal(once.kept(b))
	require.NoError(b, err)
	once.done(b)
	for _, v := range []struct {
		name    string
		r       reducer
		in, out func(context.Context, plog.Logs) error
		branch  func(*testing.B, plog.Logs) plog.Logs
	}{
		{"placement", &logBudgetReducer{}, in, out, nil},
		{"placement_nopatterns", &logBudgetReducer{}, npIn, npOut, nil},
		{"placement_decoded", decodedReducer{s: s, req: keptReq}, in, out, nil},
		{"placement_drop_template", decodedReducer{s: s, req: keptReq}, dropIn, dropOut, dropTemplateBranch(b)},
		{"placement_clone_only", decodedReducer{s: s, req: keptReq}, dropIn, dropOut, cloneBranch},
	} {
		b.Run("impl=passthrough+cost_report_"+v.name, func(b *testing.B) {
			p := placementTimes{branch: v.branch}
			for b.Loop() {
				p.iteration(b, s, req, v.in, v.out, v.r)
			}
			p.report(b, s.items)
		})
	}
}

// cloneBranch is the fanout's copy alone, without the transform: the
// part of branch_%_median the copy is.
func cloneBranch(_ *testing.B, ld plog.Logs) plog.Logs {
	clone := plog.NewLogs()
	ld.CopyTo(clone)
	return clone
}

// dropTemplateBranch is the backend's branch of config/cost-report.yaml:
// the copy the fanout hands a consumer that mutates, then contrib's
// transform processor with transform/drop_template's statements. It
// returns what the backend receives.
func dropTemplateBranch(b *testing.B) func(*testing.B, plog.Logs) plog.Logs {
	f := transformprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(b, confmap.NewFromStringMap(map[string]any{
		"error_mode": "ignore",
		"log_statements": []any{
			`delete_key(log.attributes, "log.record.template")`,
			`delete_key(log.attributes, "log.record.template_id")`,
		},
	}).Unmarshal(cfg))
	require.NoError(b, confmap.Validate(cfg))
	sink := new(consumertest.LogsSink)
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(b, err)
	b.Cleanup(startLogs(b, p))
	return func(b *testing.B, ld plog.Logs) plog.Logs {
		sink.Reset()
		clone := plog.NewLogs()
		ld.CopyTo(clone)
		require.NoError(b, p.ConsumeLogs(context.Background(), clone))
		require.Len(b, sink.AllLogs(), 1)
		return sink.AllLogs()[0]
	}
}

// reducer stands for log_budget in BenchmarkCostReportLogsPlacement:
// prepare and done run outside the timings, reduce between the meters.
type reducer interface {
	prepare(b *testing.B)
	reduce(b *testing.B, ld plog.Logs) plog.Logs
	done(b *testing.B)
}

// logBudgetReducer reduces with a new log_budget per iteration.
type logBudgetReducer struct {
	lb   processor.Logs
	sink *consumertest.LogsSink
}

func (r *logBudgetReducer) prepare(b *testing.B) {
	f := logbudgetprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(b, confmap.NewFromStringMap(placementLogBudget).Unmarshal(cfg))
	r.sink = new(consumertest.LogsSink)
	var err error
	r.lb, err = f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, r.sink)
	require.NoError(b, err)
	require.NoError(b, r.lb.Start(context.Background(), nopHost{}))
}

func (r *logBudgetReducer) reduce(b *testing.B, ld plog.Logs) plog.Logs {
	require.NoError(b, r.lb.ConsumeLogs(context.Background(), ld))
	return r.kept(b)
}

// kept is the one batch log_budget passed on.
func (r *logBudgetReducer) kept(b *testing.B) plog.Logs {
	require.Len(b, r.sink.AllLogs(), 1)
	return r.sink.AllLogs()[0]
}

// done shuts the log_budget down; its dedup summaries, not part of the
// batch, go unmetered.
func (r *logBudgetReducer) done(b *testing.B) {
	require.NoError(b, r.lb.Shutdown(context.Background()))
}

// decodedReducer decodes log_budget's output, encoded once.
type decodedReducer struct {
	s   *costReportSignal[plog.Logs]
	req []byte
}

func (decodedReducer) prepare(*testing.B) {}
func (decodedReducer) done(*testing.B)    {}

func (r decodedReducer) reduce(b *testing.B, _ plog.Logs) plog.Logs {
	ld, err := r.s.unmarshal(r.req)
	require.NoError(b, err)
	return ld
}

// placementTimes sums the parts of BenchmarkCostReportLogsPlacement's
// iterations.
type placementTimes struct {
	ref, codec, ingested, exported, reduce time.Duration
	lastRef                                time.Duration // this iteration's ref
	recordsOut                             int
	// per iteration, % of its pass-through: both meters, each meter
	shares, ingShares, expShares []float64
	// branch, when set, runs after the exported meter and returns what
	// the backend receives; its times and shares are branchTime and
	// branchShares.
	branch       func(*testing.B, plog.Logs) plog.Logs
	branchTime   time.Duration
	branchShares []float64
}

func (p *placementTimes) iteration(b *testing.B, s *costReportSignal[plog.Logs], req []byte, in, out func(context.Context, plog.Logs) error, r reducer) {
	ctx := context.Background()
	r.prepare(b)
	p.lastRef = passThrough(b, s, req)
	p.ref += p.lastRef
	t0 := time.Now()
	data, err := s.unmarshal(req)
	require.NoError(b, err)
	t1 := time.Now()
	require.NoError(b, in(ctx, data))
	t2 := time.Now()
	kept := r.reduce(b, data)
	t3 := time.Now()
	require.NoError(b, out(ctx, kept))
	t4 := time.Now()
	backend := kept
	if p.branch != nil {
		backend = p.branch(b, kept)
	}
	tb := time.Now()
	_, err = s.marshal(backend)
	require.NoError(b, err)
	t5 := time.Now()
	r.done(b)
	ingested, exported := t2.Sub(t1), t4.Sub(t3)
	if p.branch != nil {
		p.branchTime += tb.Sub(t4)
		p.branchShares = append(p.branchShares, 100*float64(tb.Sub(t4))/float64(p.lastRef))
	}
	p.codec += t1.Sub(t0) + t5.Sub(tb)
	p.ingested += ingested
	p.exported += exported
	p.reduce += t3.Sub(t2)
	p.recordsOut += kept.LogRecordCount()
	pct := func(d time.Duration) float64 { return 100 * float64(d) / float64(p.lastRef) }
	p.shares = append(p.shares, pct(ingested+exported))
	p.ingShares = append(p.ingShares, pct(ingested))
	p.expShares = append(p.expShares, pct(exported))
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// passThrough decodes req and encodes it again, and returns how long that
// took.
func passThrough(b *testing.B, s *costReportSignal[plog.Logs], req []byte) time.Duration {
	t0 := time.Now()
	data, err := s.unmarshal(req)
	require.NoError(b, err)
	_, err = s.marshal(data)
	require.NoError(b, err)
	return time.Since(t0)
}

func (p *placementTimes) report(b *testing.B, items int) {
	pct := func(d time.Duration) float64 { return 100 * float64(d) / float64(p.ref) }
	b.ReportMetric(pct(p.ingested+p.exported), "meters_%_of_passthrough")
	b.ReportMetric(median(p.shares), "meters_%_median")
	b.ReportMetric(median(p.ingShares), "ingested_%_median")
	b.ReportMetric(median(p.expShares), "exported_%_median")
	b.ReportMetric(100*float64(p.ingested+p.exported)/float64(p.codec), "meters_%_of_codec")
	b.ReportMetric(100*float64(p.recordsOut)/float64(b.N*items), "records_kept_%")
	perRecord := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N*items) }
	b.ReportMetric(perRecord(p.ref), "passthrough_ns/record")
	b.ReportMetric(perRecord(p.reduce), "reduce_ns/record")
	b.ReportMetric(perRecord(p.ingested), "ingested_ns/record")
	b.ReportMetric(float64(p.exported.Nanoseconds())/float64(p.recordsOut), "exported_ns/kept_record")
	if p.branch != nil {
		b.ReportMetric(median(p.branchShares), "branch_%_median")
		b.ReportMetric(pct(p.branchTime), "branch_%_of_passthrough")
		b.ReportMetric(float64(p.branchTime.Nanoseconds())/float64(p.recordsOut), "branch_ns/kept_record")
	}
}
