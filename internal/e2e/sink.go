package e2e

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // the collector's OTLP exporter compresses with gzip by default

	"github.com/quell-otel/quell/internal/workload"
)

// Sink is an in-process OTLP gRPC receiver for traces, logs and metrics that
// keeps everything it receives, for tests to inspect.
type Sink struct {
	srv  *grpc.Server
	port int

	mu      sync.Mutex
	traces  []ptrace.Traces
	logs    []plog.Logs
	metrics []pmetric.Metrics
	spans   int
	records int
	failErr error
}

// StartSink starts a sink on a free loopback port; it stops when the test ends.
func StartSink(t *testing.T) *Sink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sink listen: %v", err)
	}
	s := &Sink{srv: grpc.NewServer(), port: l.Addr().(*net.TCPAddr).Port}
	ptraceotlp.RegisterGRPCServer(s.srv, &traceServer{Sink: s})
	plogotlp.RegisterGRPCServer(s.srv, &logServer{Sink: s})
	pmetricotlp.RegisterGRPCServer(s.srv, &metricServer{Sink: s})
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(s.srv.Stop)
	return s
}

// Port returns the sink's port.
func (s *Sink) Port() int { return s.port }

// Addr returns the sink's "127.0.0.1:<port>".
func (s *Sink) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// SetError makes every export fail with err (nil restores success), to show
// how the collector behaves when its destination refuses data.
func (s *Sink) SetError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failErr = err
}

// Traces returns the trace batches received so far.
func (s *Sink) Traces() []ptrace.Traces {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ptrace.Traces(nil), s.traces...)
}

// Logs returns the log batches received so far.
func (s *Sink) Logs() []plog.Logs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]plog.Logs(nil), s.logs...)
}

// Metrics returns the metric batches received so far.
func (s *Sink) Metrics() []pmetric.Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pmetric.Metrics(nil), s.metrics...)
}

// SpanCount returns the number of spans received so far.
func (s *Sink) SpanCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spans
}

// LogRecordCount returns the number of log records received so far.
func (s *Sink) LogRecordCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records
}

// WaitSpans waits until at least n spans have arrived, failing the test after
// timeout.
func (s *Sink) WaitSpans(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, "spans", n, s.SpanCount)
}

// WaitLogRecords waits until at least n log records have arrived, failing the
// test after timeout.
func (s *Sink) WaitLogRecords(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, "log records", n, s.LogRecordCount)
}

func waitFor(t *testing.T, timeout time.Duration, what string, n int, count func() int) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("sink received %d %s within %s, want at least %d", count(), what, timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type traceServer struct {
	ptraceotlp.UnimplementedGRPCServer
	*Sink
}

func (s *traceServer) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failErr != nil {
		return ptraceotlp.NewExportResponse(), s.failErr
	}
	td := ptrace.NewTraces()
	req.Traces().CopyTo(td)
	s.traces = append(s.traces, td)
	s.spans += td.SpanCount()
	return ptraceotlp.NewExportResponse(), nil
}

type logServer struct {
	plogotlp.UnimplementedGRPCServer
	*Sink
}

func (s *logServer) Export(_ context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failErr != nil {
		return plogotlp.NewExportResponse(), s.failErr
	}
	ld := plog.NewLogs()
	req.Logs().CopyTo(ld)
	s.logs = append(s.logs, ld)
	s.records += ld.LogRecordCount()
	return plogotlp.NewExportResponse(), nil
}

type metricServer struct {
	pmetricotlp.UnimplementedGRPCServer
	*Sink
}

func (s *metricServer) Export(_ context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failErr != nil {
		return pmetricotlp.NewExportResponse(), s.failErr
	}
	md := pmetric.NewMetrics()
	req.Metrics().CopyTo(md)
	s.metrics = append(s.metrics, md)
	return pmetricotlp.NewExportResponse(), nil
}

// SendTraces sends td to the OTLP gRPC endpoint addr, failing the test on
// any error.
func SendTraces(t *testing.T, addr string, td ptrace.Traces) {
	t.Helper()
	c := client(t, addr)
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.SendTraces(ctx, td); err != nil {
		t.Fatalf("sending %d spans to %s: %v", td.SpanCount(), addr, err)
	}
}

// SendLogs sends ld to the OTLP gRPC endpoint addr, failing the test on any
// error.
func SendLogs(t *testing.T, addr string, ld plog.Logs) {
	t.Helper()
	c := client(t, addr)
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.SendLogs(ctx, ld); err != nil {
		t.Fatalf("sending %d log records to %s: %v", ld.LogRecordCount(), addr, err)
	}
}

func client(t *testing.T, addr string) *workload.Client {
	t.Helper()
	c, err := workload.NewClient(addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
