package e2e

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/workload"
)

// sinkOverlay adds an OTLP exporter to the sink to config/passthrough.yaml's
// pipelines, beside its own exporters, so the test sees what the default
// pipeline delivers without changing anything else.
const sinkOverlay = `exporters:
  otlp/sink:
    endpoint: 127.0.0.1:${env:QUELL_SINK_PORT}
    tls:
      insecure: true
service:
  pipelines:
    traces:
      exporters: [debug, file/traces, otlp/sink]
    logs:
      exporters: [debug, file/logs, otlp/sink]
`

func TestDefaultConfigPassesTracesAndLogsThroughUnchanged(t *testing.T) {
	sink := StartSink(t)
	overlay := filepath.Join(t.TempDir(), "sink.yaml")
	require.NoError(t, os.WriteFile(overlay, []byte(sinkOverlay), 0o600))
	col := Start(t, Options{Configs: []string{"config/passthrough.yaml", overlay}, Sink: sink})

	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 42, ErrorRatio: 0.1, SlowRatio: 0.05}).Generate(200)
	// Spans of one trace in separate requests from separate senders.
	for _, batch := range workload.Split(traces, 3) {
		SendTraces(t, col.Addr("OTLP_GRPC"), batch)
	}
	// And one more trace over OTLP/HTTP (protobuf), as browsers and many SDKs send.
	httpTrace := workload.NewTraceGenerator(workload.TraceOptions{Seed: 43}).Next()
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(httpTrace.Spans)
	require.NoError(t, err)
	resp, err := http.Post("http://"+col.Addr("OTLP_HTTP")+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	sent := workload.Merge(append(traces, httpTrace))

	logs := workload.NewLogGenerator(workload.LogOptions{Seed: 42}).Batch(500)
	SendLogs(t, col.Addr("OTLP_GRPC"), logs)

	sink.WaitSpans(t, sent.SpanCount(), 30*time.Second)
	sink.WaitLogRecords(t, logs.LogRecordCount(), 30*time.Second)
	col.Stop(t)

	// Every span and record arrives exactly once, byte for byte the same
	// (with its resource and scope), however the batch processor regrouped
	// them.
	assert.Equal(t, spanSet(t, sent), spanSet(t, mergeTraces(sink.Traces())))
	assert.Equal(t, logSet(t, logs), logSet(t, mergeLogs(sink.Logs())))

	// The file exporters wrote the same data as JSON lines.
	assert.Equal(t, sent.SpanCount(), countInFile(t, filepath.Join(col.DataDir(), "traces.jsonl"), `"spanId"`))
	assert.Equal(t, logs.LogRecordCount(), countInFile(t, filepath.Join(col.DataDir(), "logs.jsonl"), `"observedTimeUnixNano"`))
}

func TestEveryConfigValidates(t *testing.T) {
	configs, err := filepath.Glob(filepath.Join(RepoRoot(t), "config", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, configs)
	for _, cfg := range configs {
		t.Run(filepath.Base(cfg), func(t *testing.T) {
			out, err := exec.Command(Binary(t), "validate", "--config", cfg).CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}

func TestInvalidConfigNamesTheKey(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(`receivers:
  otlp:
    protocols:
      grpc:
        endpiont: 127.0.0.1:4317
exporters:
  debug: {}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`), 0o600))

	out, err := exec.Command(Binary(t), "validate", "--config", bad).CombinedOutput()
	require.Error(t, err, "validate must fail")
	assert.Contains(t, string(out), "endpiont")
	assert.Contains(t, string(out), "protocols.grpc")

	// Starting with the same config fails the same way, before binding ports.
	col := Start(t, Options{Configs: []string{bad}, SkipHealthWait: true})
	select {
	case <-col.done:
	case <-time.After(30 * time.Second):
		t.Fatal("collector with an invalid config did not exit")
	}
	col.stopped = true
	require.Error(t, col.waitErr)
	assert.Contains(t, col.Output(), "endpiont")
}

// spanSet returns every span of td, with its resource and scope, as a
// canonical JSON document, counted: a multiset two pipelines' outputs can be
// compared with, whatever their batching and order.
func spanSet(t *testing.T, td ptrace.Traces) map[string]int {
	t.Helper()
	set := map[string]int{}
	var m ptrace.JSONMarshaler
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				one := ptrace.NewTraces()
				nrs := one.ResourceSpans().AppendEmpty()
				rs.Resource().CopyTo(nrs.Resource())
				nss := nrs.ScopeSpans().AppendEmpty()
				ss.Scope().CopyTo(nss.Scope())
				ss.Spans().At(k).CopyTo(nss.Spans().AppendEmpty())
				b, err := m.MarshalTraces(one)
				require.NoError(t, err)
				set[string(b)]++
			}
		}
	}
	return set
}

// logSet is spanSet for log records.
func logSet(t *testing.T, ld plog.Logs) map[string]int {
	t.Helper()
	set := map[string]int{}
	var m plog.JSONMarshaler
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			for k := 0; k < sl.LogRecords().Len(); k++ {
				one := plog.NewLogs()
				nrl := one.ResourceLogs().AppendEmpty()
				rl.Resource().CopyTo(nrl.Resource())
				nsl := nrl.ScopeLogs().AppendEmpty()
				sl.Scope().CopyTo(nsl.Scope())
				sl.LogRecords().At(k).CopyTo(nsl.LogRecords().AppendEmpty())
				b, err := m.MarshalLogs(one)
				require.NoError(t, err)
				set[string(b)]++
			}
		}
	}
	return set
}

func mergeTraces(batches []ptrace.Traces) ptrace.Traces {
	out := ptrace.NewTraces()
	for _, td := range batches {
		td.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
	}
	return out
}

func mergeLogs(batches []plog.Logs) plog.Logs {
	out := plog.NewLogs()
	for _, ld := range batches {
		ld.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
	}
	return out
}

// countInFile counts occurrences of needle in a file.
func countInFile(t *testing.T, path, needle string) int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		n += strings.Count(sc.Text(), needle)
	}
	require.NoError(t, sc.Err())
	return n
}
