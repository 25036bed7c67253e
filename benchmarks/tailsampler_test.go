// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package benchmarks

// Side-by-side: Quell's tail_sampler against contrib's tail_sampling
// (v0.159.0) on the same generated traces (spans of each trace spread over
// several batches; 10% error traces, 5% slow traces, the rest kept at 10%),
// with equivalent first-match rules.
//
// Both are measured the same way: buffer N traces with a long decision wait,
// then shut down (both decide everything pending and send the kept traces).
// Contrib runs with num_shards = GOMAXPROCS, sample_on_first_match and
// decision caches of the same size as ours.
//
//	go test ./benchmarks -run '^$' -bench 'BenchmarkTailSampler' -benchtime 5x -count 6 | tee ts.txt
//	benchstat -col /impl ts.txt
//
// ns/span and spans/s are wall time; cpu-ns/span is the process's CPU time
// (all goroutines and GC), which a busy shared machine disturbs least.

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/quell-otel/quell/internal/cputime"
	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/tailsamplerprocessor"
)

const (
	tsBenchTraces  = 2000 // traces buffered per iteration
	tsBenchBatches = 4    // each trace's spans are spread over this many batches
	tsKeptCache    = 100_000
	tsDroppedCache = 1_000_000
)

// tsWorkload generates n traces with internal/workload (10% errors, 5% slow)
// and spreads each trace's spans over parts interleaved batches.
func tsWorkload(seed int64, n, parts int) (batches []ptrace.Traces, spans int) {
	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: seed, ErrorRatio: 0.1, SlowRatio: 0.05}).Generate(n)
	for _, tr := range traces {
		spans += tr.SpanCount
	}
	return workload.Split(traces, parts), spans
}

// tsRules says which rules the processors get besides errors, slow and the
// 10% default.
type tsRules int

const (
	tsPlain     tsRules = iota
	tsOTTL              // one OTTL span condition that never matches
	tsSpanEvent         // one OTTL span event condition that never matches
)

// withEvents adds two span events to every span of the batches (a log line
// and, on error spans, an exception), for the span event rule to look at.
func withEvents(batches []ptrace.Traces) []ptrace.Traces {
	for _, td := range batches {
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					sp := spans.At(k)
					ev := sp.Events().AppendEmpty()
					ev.SetName("log")
					ev.SetTimestamp(sp.StartTimestamp())
					ev.Attributes().PutStr("log.severity", "INFO")
					ev = sp.Events().AppendEmpty()
					ev.SetTimestamp(sp.EndTimestamp())
					if sp.Status().Code() == ptrace.StatusCodeError {
						ev.SetName("exception")
						ev.Attributes().PutStr("exception.type", "TimeoutError")
					} else {
						ev.SetName("done")
					}
				}
			}
		}
	}
	return batches
}

type tsImpl struct {
	name string
	new  func(tb testing.TB, rules tsRules) processor.Traces
}

func tsImpls() []tsImpl {
	return []tsImpl{
		{"quell", newQuellTailSampler},
		{"contrib", newContribTailSampling},
	}
}

func newQuellTailSampler(tb testing.TB, variant tsRules) processor.Traces {
	rules := []any{
		map[string]any{"name": "errors", "type": "status_code", "status_code": map[string]any{"codes": []any{"ERROR"}}},
		map[string]any{"name": "slow", "type": "duration", "duration": map[string]any{"min": "1s"}},
	}
	switch variant {
	case tsOTTL:
		rules = append(rules, map[string]any{"name": "ottl", "type": "ottl", "ottl": map[string]any{
			"span": []any{`span.attributes["http.route"] == "/api/never" and span.kind == SPAN_KIND_SERVER`},
		}})
	case tsSpanEvent:
		rules = append(rules, map[string]any{"name": "ottl", "type": "ottl", "ottl": map[string]any{
			"spanevent": []any{`spanevent.name == "exception" and spanevent.attributes["exception.type"] == "Never"`},
		}})
	}
	rules = append(rules, map[string]any{"name": "default", "type": "default", "probability": 0.1})
	f := tailsamplerprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	err := confmap.NewFromStringMap(map[string]any{
		"decision_wait":       "1h",
		"root_wait":           "1h",
		"max_buffered_bytes":  int64(8 << 30),
		"decision_cache":      map[string]any{"kept_traces": tsKeptCache, "dropped_traces": tsDroppedCache},
		"rules":               rules,
		"max_spans_per_trace": 100000,
	}).Unmarshal(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := cfg.(interface{ Validate() error }).Validate(); err != nil {
		tb.Fatal(err)
	}
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func newContribTailSampling(tb testing.TB, variant tsRules) processor.Traces {
	policies := []any{
		map[string]any{"name": "errors", "type": "status_code", "status_code": map[string]any{"status_codes": []any{"ERROR"}}},
		map[string]any{"name": "slow", "type": "latency", "latency": map[string]any{"threshold_ms": 1000}},
	}
	switch variant {
	case tsOTTL:
		policies = append(policies, map[string]any{"name": "ottl", "type": "ottl_condition", "ottl_condition": map[string]any{
			"error_mode": "ignore",
			"span":       []any{`attributes["http.route"] == "/api/never" and kind == SPAN_KIND_SERVER`},
		}})
	case tsSpanEvent:
		policies = append(policies, map[string]any{"name": "ottl", "type": "ottl_condition", "ottl_condition": map[string]any{
			"error_mode": "ignore",
			"spanevent":  []any{`name == "exception" and attributes["exception.type"] == "Never"`},
		}})
	}
	policies = append(policies, map[string]any{"name": "default", "type": "probabilistic", "probabilistic": map[string]any{"sampling_percentage": 10}})
	f := tailsamplingprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	err := confmap.NewFromStringMap(map[string]any{
		"decision_wait":         "1h",
		"num_traces":            tsBenchTraces * 2,
		"num_shards":            runtime.GOMAXPROCS(0),
		"sample_on_first_match": true,
		"decision_cache":        map[string]any{"sampled_cache_size": tsKeptCache, "non_sampled_cache_size": tsDroppedCache},
		"policies":              policies,
	}).Unmarshal(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := cfg.(interface{ Validate() error }).Validate(); err != nil {
		tb.Fatal(err)
	}
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// runTailSampling buffers every batch (from one goroutine, or spread over
// several senders as a receiver would call concurrently), then shuts down,
// which decides every trace.
func runTailSampling(b *testing.B, newP func(testing.TB, tsRules) processor.Traces, variant tsRules, batches []ptrace.Traces, spans, senders int) {
	ctx := context.Background()
	b.ReportAllocs()
	var elapsed, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		p := newP(b, variant)
		if err := p.Start(ctx, componenttest.NewNopHost()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		cpu0, _ := cputime.Used()
		var wg sync.WaitGroup
		errs := make(chan error, len(batches))
		for w := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(batches); i += senders {
					if err := p.ConsumeTraces(ctx, batches[i]); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		if err := p.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		cpu1, _ := cputime.Used()
		elapsed += time.Since(start)
		cpu += cpu1 - cpu0
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*spans), "ns/span")
	b.ReportMetric(float64(b.N*spans)/elapsed.Seconds(), "spans/s")
	// CPU time of the whole process (all goroutines, GC included) per span:
	// the figure that contention on a shared machine disturbs least.
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*spans), "cpu-ns/span")
	}
}

// compareTailSamplers runs runTailSampling once per implementation.
func compareTailSamplers(b *testing.B, variant tsRules, batches []ptrace.Traces, spans, senders int) {
	for _, impl := range tsImpls() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			runTailSampling(b, impl.new, variant, batches, spans, senders)
		})
	}
}

// BenchmarkTailSampler is the headline comparison (no OTTL rules).
func BenchmarkTailSampler(b *testing.B) {
	batches, spans := tsWorkload(42, tsBenchTraces, tsBenchBatches)
	compareTailSamplers(b, tsPlain, batches, spans, 1)
}

// BenchmarkTailSamplerParallel is the headline comparison with the batches
// sent by GOMAXPROCS concurrent senders, as an OTLP receiver calls a
// processor from several connections.
func BenchmarkTailSamplerParallel(b *testing.B) {
	batches, spans := tsWorkload(42, tsBenchTraces, tsBenchBatches)
	compareTailSamplers(b, tsPlain, batches, spans, runtime.GOMAXPROCS(0))
}

// BenchmarkTailSamplerSenders is the headline comparison with 1, 2 and 4
// concurrent senders, one sub-benchmark per count and implementation, so one
// run gives spans/s of both at every sender count (benchstat -col /impl).
func BenchmarkTailSamplerSenders(b *testing.B) {
	batches, spans := tsWorkload(42, tsBenchTraces, tsBenchBatches)
	for _, senders := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			compareTailSamplers(b, tsPlain, batches, spans, senders)
		})
	}
}

// BenchmarkTailSamplerOTTL adds one OTTL rule (never matching, so every span
// is evaluated) ahead of the default rule in both.
func BenchmarkTailSamplerOTTL(b *testing.B) {
	batches, spans := tsWorkload(42, tsBenchTraces, tsBenchBatches)
	compareTailSamplers(b, tsOTTL, batches, spans, 1)
}

// BenchmarkTailSamplerSpanEvent adds one OTTL span event rule (never
// matching, so every event of every span is evaluated) ahead of the default
// rule in both; every span carries two events.
func BenchmarkTailSamplerSpanEvent(b *testing.B) {
	batches, spans := tsWorkload(42, tsBenchTraces, tsBenchBatches)
	batches = withEvents(batches)
	compareTailSamplers(b, tsSpanEvent, batches, spans, 1)
}

// BenchmarkTailSamplerMemory reports heap in use per buffered span: after
// runtime.GC() with N traces buffered, minus the same before buffering.
func BenchmarkTailSamplerMemory(b *testing.B) {
	batches, spans := tsWorkload(42, tsBenchTraces, tsBenchBatches)
	for _, impl := range tsImpls() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			ctx := context.Background()
			var total float64
			for b.Loop() {
				p := impl.new(b, tsPlain)
				if err := p.Start(ctx, componenttest.NewNopHost()); err != nil {
					b.Fatal(err)
				}
				before := heapInUse()
				for _, td := range batches {
					if err := p.ConsumeTraces(ctx, td); err != nil {
						b.Fatal(err)
					}
				}
				// Contrib ingests asynchronously: let its shards drain.
				time.Sleep(200 * time.Millisecond)
				after := heapInUse()
				total += float64(after) - float64(before)
				if err := p.Shutdown(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(total/float64(b.N*spans), "B/span")
			runtime.KeepAlive(batches)
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
