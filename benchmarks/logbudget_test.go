package benchmarks

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/logbudgetprocessor"
)

const (
	logBatch   = 1000 // records per ConsumeLogs call
	logBatches = 64   // distinct pre-generated batches, cycled
	logCallers = 4    // concurrent ConsumeLogs callers in the _parallel cases
)

// logBudgetConfig turns every feature on: dedup, annotate, a records/s,
// bytes/s and money/day budget per key (that binds: the workload sends far
// more), sampling, truncation, a priority class in OTTL.
var logBudgetConfig = map[string]any{
	"annotate":     true,
	"price_per_gb": 0.5,
	"budget": map[string]any{
		"records_per_second": 2000,
		"bytes_per_second":   200_000,
		"money_per_day":      5,
	},
	"priority_classes": []any{map[string]any{
		"name": "audit", "priority": "keep", "conditions": []any{`attributes["audit"] == true`},
	}},
	"truncate": map[string]any{
		"max_body_bytes":            2048,
		"max_attribute_value_bytes": 256,
		"max_attributes":            32,
		"drop_attributes":           []any{"password"},
	},
}

// BenchmarkLogBudget runs log_budget (dedup + budget + sampling + annotate +
// truncation + a priority class) and the contrib processors a user would
// combine instead, over the same generated logs. Each iteration processes one
// batch of 1000 records (the copy each processor may mutate is made with the
// timer stopped); allocs/op and B/op are per batch of 1000.
func BenchmarkLogBudget(b *testing.B) {
	gen := workload.NewLogGenerator(workload.LogOptions{Seed: 7})
	batches := make([]plog.Logs, logBatches)
	for i := range batches {
		batches[i] = gen.Batch(logBatch)
	}
	// one service only, as a sidecar sees: every caller works on one key
	oneGen := workload.NewLogGenerator(workload.LogOptions{Seed: 7, Services: 1})
	oneKey := make([]plog.Logs, logBatches)
	for i := range oneKey {
		oneKey[i] = oneGen.Batch(logBatch)
	}

	run := func(b *testing.B, p processor.Logs, batches []plog.Logs) {
		ctx := context.Background()
		defer startLogs(b, p)()
		b.ReportAllocs()
		i := 0
		var use cpuUse
		for b.Loop() {
			// the copy the processor may mutate is made with the timer stopped
			b.StopTimer()
			ld := plog.NewLogs()
			batches[i%logBatches].CopyTo(ld)
			i++
			b.StartTimer()
			use.start()
			if err := p.ConsumeLogs(ctx, ld); err != nil {
				b.Fatal(err)
			}
			use.stop()
		}
		use.report(b, float64(i*logBatch))
	}

	b.Run("impl=log_budget", func(b *testing.B) {
		run(b, newLogs(b, logbudgetprocessor.NewFactory(), logBudgetConfig), batches)
	})
	b.Run("impl=log_budget_parallel", func(b *testing.B) {
		runLogsParallel(b, logCallers, newLogs(b, logbudgetprocessor.NewFactory(), logBudgetConfig), batches)
	})
	b.Run("impl=log_budget_one_key", func(b *testing.B) {
		run(b, newLogs(b, logbudgetprocessor.NewFactory(), logBudgetConfig), oneKey)
	})
	b.Run("impl=log_budget_parallel_one_key", func(b *testing.B) {
		runLogsParallel(b, logCallers, newLogs(b, logbudgetprocessor.NewFactory(), logBudgetConfig), oneKey)
	})
	b.Run("impl=log_budget_dedup_only", func(b *testing.B) {
		run(b, newLogs(b, logbudgetprocessor.NewFactory(), map[string]any{}), batches)
	})
	b.Run("impl=log_budget_dedup_only_parallel", func(b *testing.B) {
		runLogsParallel(b, logCallers, newLogs(b, logbudgetprocessor.NewFactory(), map[string]any{}), batches)
	})
	b.Run("impl=contrib_probabilistic_sampler", func(b *testing.B) {
		run(b, newLogs(b, probabilisticsamplerprocessor.NewFactory(), map[string]any{
			"sampling_percentage": 10,
			"fail_closed":         false,
		}), batches)
	})
	b.Run("impl=contrib_filter", func(b *testing.B) {
		run(b, newLogs(b, filterprocessor.NewFactory(), map[string]any{
			"logs": map[string]any{"log_record": []any{"severity_number < SEVERITY_NUMBER_WARN"}},
		}), batches)
	})
}

// runLogsParallel has callers goroutines call ConsumeLogs at once, as an
// OTLP receiver with many clients does: each round, every caller processes
// one batch (a different one per caller), and the round ends when all are
// done.
func runLogsParallel(b *testing.B, callers int, p processor.Logs, batches []plog.Logs) {
	ctx := context.Background()
	defer startLogs(b, p)()
	work := make([]chan plog.Logs, callers)
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range work {
		work[c] = make(chan plog.Logs)
		go func() {
			for ld := range work[c] {
				if err := p.ConsumeLogs(ctx, ld); err != nil {
					errs <- err
				}
				wg.Done()
			}
		}()
	}
	defer func() {
		for _, w := range work {
			close(w)
		}
	}()
	b.ReportAllocs()
	i := 0
	var use cpuUse
	round := make([]plog.Logs, callers)
	for b.Loop() {
		b.StopTimer()
		for c := range round {
			round[c] = plog.NewLogs()
			batches[i%logBatches].CopyTo(round[c])
			i++
		}
		wg.Add(callers)
		b.StartTimer()
		use.start()
		for c, w := range work {
			w <- round[c]
		}
		wg.Wait()
		use.stop()
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
	}
	use.report(b, float64(i*logBatch))
}

// BenchmarkLogBudgetCallers is log_budget with every feature on
// (logBudgetConfig) under 1, 2 and 4 concurrent ConsumeLogs callers, over
// batches holding all 10 services, and over batches of one service (one
// key, as a sidecar sees): records/s and the cores kept busy.
func BenchmarkLogBudgetCallers(b *testing.B) {
	gen := workload.NewLogGenerator(workload.LogOptions{Seed: 7})
	oneGen := workload.NewLogGenerator(workload.LogOptions{Seed: 7, Services: 1})
	batches, oneKey := make([]plog.Logs, logBatches), make([]plog.Logs, logBatches)
	for i := range batches {
		batches[i], oneKey[i] = gen.Batch(logBatch), oneGen.Batch(logBatch)
	}
	for _, keys := range []struct {
		name    string
		batches []plog.Logs
	}{{"keys=10", batches}, {"keys=1", oneKey}} {
		for _, callers := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("%s/callers=%d", keys.name, callers), func(b *testing.B) {
				runLogsParallel(b, callers, newLogs(b, logbudgetprocessor.NewFactory(), logBudgetConfig), keys.batches)
			})
		}
	}
}

// cpuUse adds up, over the timed parts of a benchmark, the wall time and
// the CPU time (user + system) of the whole process: their ratio is how
// many cores the processor kept busy, which shows whether concurrent
// callers run in parallel even when other work on the machine takes cores
// (wall-clock figures cannot).
type cpuUse struct {
	wall, cpu time.Duration
	t0        time.Time
	c0        time.Duration
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (u *cpuUse) start() { u.t0, u.c0 = time.Now(), processCPU() }

func (u *cpuUse) stop() {
	u.wall += time.Since(u.t0)
	u.cpu += processCPU() - u.c0
}

// report reports records/s and ns/record over the benchmark's time, and
// the cores and CPU time per record over the timed parts.
func (u *cpuUse) report(b *testing.B, recs float64) {
	b.ReportMetric(recs/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/recs, "ns/record")
	if u.wall > 0 {
		b.ReportMetric(u.cpu.Seconds()/u.wall.Seconds(), "cores")
		b.ReportMetric(float64(u.cpu.Nanoseconds())/recs, "cpu-ns/record")
	}
}

// startLogs starts p and returns what shuts it down.
func startLogs(b *testing.B, p processor.Logs) func() {
	b.Helper()
	if err := p.Start(context.Background(), nopHost{}); err != nil {
		b.Fatal(err)
	}
	return func() {
		if err := p.Shutdown(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func newLogs(b *testing.B, f processor.Factory, raw map[string]any) processor.Logs {
	b.Helper()
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
		b.Fatal(err)
	}
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	return p
}

type nopHost struct{}

func (nopHost) GetExtensions() map[component.ID]component.Component { return nil }

// BenchmarkLogBudgetState measures the memory log_budget holds per key, per
// template and per open dedup window (heap after GC, divided by the number
// of items), for the README's memory bound.
func BenchmarkLogBudgetState(b *testing.B) {
	const n = 5000
	word := func(i int) string { // distinct, digit-free tokens
		var s []byte
		for i++; i > 0; i /= 26 {
			s = append(s, byte('a'+i%26))
		}
		return string(s)
	}
	measure := func(b *testing.B, raw map[string]any, fill func(ld plog.Logs, i int)) {
		b.ReportAllocs()
		var per float64
		for b.Loop() {
			p := newLogs(b, logbudgetprocessor.NewFactory(), raw)
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			before := ms.HeapAlloc
			for i := 0; i < n; i += 100 {
				ld := plog.NewLogs()
				for j := i; j < i+100; j++ {
					fill(ld, j)
				}
				if err := p.ConsumeLogs(context.Background(), ld); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&ms)
			per = float64(int64(ms.HeapAlloc)-int64(before)) / n
			runtime.KeepAlive(p)
		}
		b.ReportMetric(per, "B/item")
	}
	record := func(ld plog.Logs, svc, body string) {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", svc)
		rl.Resource().Attributes().PutStr("deployment.environment.name", "production")
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.Body().SetStr(body)
		lr.Attributes().PutStr("code.function", "handle")
	}
	// the i-th of n templates, its one variable ms
	templated := func(i int, ms string) string {
		return word(i) + " " + word(i+n) + " " + word(i+2*n) + " took " + ms + " ms for tenant " + word(i+3*n)
	}
	b.Run("item=key", func(b *testing.B) {
		measure(b, map[string]any{
			"key":    map[string]any{"max_keys": n},
			"budget": map[string]any{"records_per_second": 1000, "bytes_per_second": 100000, "bytes_per_day": 1 << 30},
			"dedup":  map[string]any{"enabled": false},
		}, func(ld plog.Logs, i int) { record(ld, "svc-"+word(i), "request served") })
	})
	b.Run("item=template", func(b *testing.B) {
		measure(b, map[string]any{
			"dedup":     map[string]any{"enabled": false},
			"templates": map[string]any{"max_templates": n},
		}, func(ld plog.Logs, i int) { record(ld, "svc", templated(i, "12")) })
	})
	b.Run("item=template+window", func(b *testing.B) {
		measure(b, map[string]any{
			"dedup":     map[string]any{"max_entries": n},
			"templates": map[string]any{"max_templates": n},
		}, func(ld plog.Logs, i int) {
			// twice: the second is held in the window
			record(ld, "svc", templated(i, "12"))
			record(ld, "svc", templated(i, "13"))
		})
	})
}
