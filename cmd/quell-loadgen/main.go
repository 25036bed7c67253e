// Command quell-loadgen sends a seeded, realistic workload to a collector
// over OTLP gRPC: traces across many services (a chosen share of error and
// slow ones, spans of a trace split across requests and senders) and logs
// from realistic templates. It prints progress while it runs and a summary at
// the end.
//
//	go run ./cmd/quell-loadgen -traces 10000 -logs 50000 -senders 3 -split 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/ticker"
	"github.com/quell-otel/quell/internal/workload"
)

type options struct {
	endpoint   string
	seed       int64
	traces     int
	logs       int
	batch      int
	senders    int
	split      int
	services   int
	errorRatio float64
	slowRatio  float64
	rate       float64
}

func main() {
	var o options
	flag.StringVar(&o.endpoint, "endpoint", "127.0.0.1:4317", "OTLP gRPC endpoint (host:port)")
	flag.Int64Var(&o.seed, "seed", 1, "seed: the same seed sends the same data")
	flag.IntVar(&o.traces, "traces", 1000, "number of traces to send")
	flag.IntVar(&o.logs, "logs", 0, "number of log records to send")
	flag.IntVar(&o.batch, "batch", 100, "traces (or 10x log records) per request")
	flag.IntVar(&o.senders, "senders", 2, "concurrent senders, each with its own connection")
	flag.IntVar(&o.split, "split", 2, "spread the spans of each trace over this many requests")
	flag.IntVar(&o.services, "services", 10, "number of distinct services")
	flag.Float64Var(&o.errorRatio, "error-ratio", 0.1, "share of traces with an error span")
	flag.Float64Var(&o.slowRatio, "slow-ratio", 0.05, "share of traces slower than 1s")
	flag.Float64Var(&o.rate, "rate", 0, "requests per second across all senders (0: as fast as possible)")
	flag.Parse()
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "quell-loadgen:", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "quell-loadgen:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	var errs []error
	if o.traces < 0 || o.logs < 0 {
		errs = append(errs, errors.New("-traces and -logs must not be negative"))
	}
	if o.batch < 1 || o.senders < 1 || o.split < 1 {
		errs = append(errs, errors.New("-batch, -senders and -split must be at least 1"))
	}
	for name, r := range map[string]float64{"-error-ratio": o.errorRatio, "-slow-ratio": o.slowRatio} {
		if r < 0 || r > 1 {
			errs = append(errs, fmt.Errorf("%s must be in [0, 1]", name))
		}
	}
	return errors.Join(errs...)
}

// request is one export call to make.
type request struct {
	traces ptrace.Traces
	logs   plog.Logs
}

type stats struct {
	requests, spans, records, failed atomic.Int64
}

func run(ctx context.Context, o options) error {
	reqs := make(chan request, o.senders*2)
	var st stats
	start := time.Now()

	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range o.senders {
		c, err := workload.NewClient(o.endpoint)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		wg.Go(func() { send(ctx, c, reqs, &st, &firstErr) })
	}

	progressLoop := ticker.Start(2*time.Second, func() { progress(&st, start) })
	produce(ctx, o, reqs)
	close(reqs)
	wg.Wait()
	progressLoop.Stop()

	elapsed := time.Since(start)
	fmt.Printf("sent %d spans (%d traces, %.0f%% errors, %.0f%% slow) and %d log records in %d requests to %s in %s (%.0f spans/s, %.0f records/s); %d requests failed\n",
		st.spans.Load(), o.traces, o.errorRatio*100, o.slowRatio*100, st.records.Load(), st.requests.Load(), o.endpoint,
		elapsed.Round(time.Millisecond), float64(st.spans.Load())/elapsed.Seconds(), float64(st.records.Load())/elapsed.Seconds(), st.failed.Load())
	if err, ok := firstErr.Load().(error); ok {
		return fmt.Errorf("%d requests failed; first error: %w", st.failed.Load(), err)
	}
	return ctx.Err()
}

// produce generates the workload batch by batch, so memory stays flat
// however much is sent.
func produce(ctx context.Context, o options, reqs chan<- request) {
	var tick <-chan time.Time
	if o.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
		defer t.Stop()
		tick = t.C
	}
	emit := func(r request) bool {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				return false
			}
		}
		select {
		case reqs <- r:
			return true
		case <-ctx.Done():
			return false
		}
	}
	tg := workload.NewTraceGenerator(workload.TraceOptions{
		Seed: o.seed, Services: o.services, ErrorRatio: o.errorRatio, SlowRatio: o.slowRatio,
		Start: time.Now().Add(-time.Minute),
	})
	for left := o.traces; left > 0; left -= o.batch {
		for _, td := range workload.Split(tg.Generate(min(o.batch, left)), o.split) {
			if td.SpanCount() > 0 && !emit(request{traces: td}) {
				return
			}
		}
	}
	lg := workload.NewLogGenerator(workload.LogOptions{Seed: o.seed, Services: o.services, Start: time.Now().Add(-time.Minute)})
	for left := o.logs; left > 0; left -= o.batch * 10 {
		if !emit(request{logs: lg.Batch(min(o.batch*10, left))}) {
			return
		}
	}
}

func send(ctx context.Context, c *workload.Client, reqs <-chan request, st *stats, firstErr *atomic.Value) {
	for r := range reqs {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		var err error
		if r.traces != (ptrace.Traces{}) {
			err = c.SendTraces(rctx, r.traces)
			if err == nil {
				st.spans.Add(int64(r.traces.SpanCount()))
			}
		} else {
			err = c.SendLogs(rctx, r.logs)
			if err == nil {
				st.records.Add(int64(r.logs.LogRecordCount()))
			}
		}
		cancel()
		st.requests.Add(1)
		if err != nil {
			st.failed.Add(1)
			firstErr.CompareAndSwap(nil, err)
		}
	}
}

// progress prints what was sent so far to stderr.
func progress(st *stats, start time.Time) {
	fmt.Fprintf(os.Stderr, "%6s: %d spans, %d log records, %d requests (%d failed)\n",
		time.Since(start).Round(time.Second), st.spans.Load(), st.records.Load(), st.requests.Load(), st.failed.Load())
}
