package benchmarks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertconv/alertconvtest"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor"
)

// There is no upstream alert correlator to compare with: contrib v0.159.0
// has none (its alertmanagerexporter only forwards span events, and is not
// served at that version). The sub-benchmarks measure the alert_correlator
// against the target of 50k alerts/s on a 500-service graph.

const alertBatch = 100

// topologyFile writes the 500-service generated graph as a static topology.
func topologyFile(b testing.TB, t *alertscenario.Topology) string {
	var sb strings.Builder
	sb.WriteString("services:\n")
	for _, n := range t.Nodes() {
		fmt.Fprintf(&sb, "  %s: [%s]\n", n, strings.Join(t.Services[n], ", "))
	}
	p := filepath.Join(b.TempDir(), "topology.yaml")
	if err := os.WriteFile(p, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	return p
}

func alertRecord(rls plog.ResourceLogsSlice, service, rule, sev, state string, extra map[string]string) {
	labels := map[string]string{"alertname": rule, "service": service, "severity": sev}
	for k, v := range extra {
		labels[k] = v
	}
	alertconvtest.AppendAlert(rls, labels, state, alertconv.SourceAlertmanager)
}

// newCorrelator starts a correlator without storage, stopped when the
// benchmark ends.
func newCorrelator(b *testing.B, mutate func(map[string]any)) (processor.Logs, processor.Traces) {
	lp, tp := startCorrelator(b, componenttest.NewNopHost(), mutate)
	b.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = lp.Shutdown(context.Background())
	})
	return lp, tp
}

// storageHost is a host with one file_storage extension, started in a
// temporary directory.
type storageHost struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.ext }

func newStorageHost(b *testing.B) (storageHost, component.ID) {
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig()
	raw := map[string]any{"directory": b.TempDir()}
	if err := confmapInto(raw, cfg); err != nil {
		b.Fatal(err)
	}
	id := component.MustNewID("file_storage")
	set := extensiontest.NewNopSettings(f.Type())
	set.ID = id
	ext, err := f.Create(context.Background(), set, cfg)
	if err != nil {
		b.Fatal(err)
	}
	h := storageHost{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{id: ext}}
	if err := ext.Start(context.Background(), h); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	return h, id
}

// startCorrelator starts a correlator on host; the caller stops it.
func startCorrelator(b *testing.B, host component.Host, mutate func(map[string]any)) (processor.Logs, processor.Traces) {
	f := alertcorrelatorprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	raw := map[string]any{}
	mutate(raw)
	if err := confmapInto(raw, cfg); err != nil {
		b.Fatal(err)
	}
	set := processortest.NewNopSettings(f.Type())
	tp, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	lp, err := f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	if err := tp.Start(context.Background(), host); err != nil {
		b.Fatal(err)
	}
	if err := lp.Start(context.Background(), host); err != nil {
		b.Fatal(err)
	}
	return lp, tp
}

// BenchmarkAlertCorrelator feeds alert records through the processor
// (ConsumeLogs, batches of 100) with the 500-service graph.
func BenchmarkAlertCorrelator(b *testing.B) {
	topo := alertscenario.Generated(500, 3)
	file := topologyFile(b, topo)
	nodes := topo.Nodes()

	// Replay: the evaluation scenario's alert records (repeats, resolves,
	// flapping) in order, again and again: mostly dedup and held changes.
	b.Run("alert_correlator/replay-500svc", func(b *testing.B) {
		lp, _ := newCorrelator(b, func(m map[string]any) {
			m["topology"] = map[string]any{"file": file}
		})
		s := alertscenario.Generate(topo, alertscenario.DefaultNoise, 3)
		var batches []plog.Logs
		for i := 0; i < len(s.Notifications); i += alertBatch {
			ld := plog.NewLogs()
			for _, n := range s.Notifications[i:min(i+alertBatch, len(s.Notifications))] {
				alertRecord(ld.ResourceLogs(), n.Service, n.Rule, n.Sev, n.State, nil)
			}
			batches = append(batches, ld)
		}
		runAlerts(b, lp, func(i int) plog.Logs { return batches[i%len(batches)] })
	})

	// New alerts, with trace evidence on (the default) and off.
	for _, evidence := range []string{"1m", "0s"} {
		name := "alert_correlator/new-alerts-500svc"
		if evidence == "0s" {
			name += "-no-evidence"
		}
		b.Run(name, func(b *testing.B) { benchNewAlerts(b, file, nodes, evidence) })
	}

	// Memory: 50k distinct firing alerts held at once (services spread over
	// the graph, so they form many incidents); heap per tracked alert.
	b.Run("alert_correlator/state-50k-alerts", func(b *testing.B) {
		benchStorm(b, file, nodes, false)
	})
	// The same storm with file_storage: every batch journaled before it is
	// acknowledged, the state saved on each tick.
	b.Run("alert_correlator/state-50k-alerts-file_storage", func(b *testing.B) {
		benchStorm(b, file, nodes, true)
	})

	// The traces side: learning the graph from workload traces (client/
	// server pairs, peer.service / db.system), spans observed per second.
	b.Run("alert_correlator/observe-traces", func(b *testing.B) {
		benchObserve(b, func(map[string]any) {})
	})
	// The same without trace evidence (correlation.evidence_window: 0):
	// the graph learner alone.
	b.Run("alert_correlator/observe-traces-no-evidence", func(b *testing.B) {
		benchObserve(b, func(m map[string]any) {
			m["correlation"] = map[string]any{"evidence_window": "0s"}
		})
	})
	// Memory: the traces side's state (graph, learner, evidence windows,
	// as the default config sizes them) per tracked service and per edge.
	b.Run("alert_correlator/memory-500svc", func(b *testing.B) {
		benchTracesMemory(b, topo)
	})
}

// benchObserve feeds workload traces through the traces side.
func benchObserve(b *testing.B, mutate func(map[string]any)) {
	{
		_, tp := newCorrelator(b, mutate)
		traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 7, Services: 50}).Generate(500)
		batches := workload.Split(traces, 10)
		spans := 0
		for _, t := range batches {
			spans += t.SpanCount()
		}
		b.ReportAllocs()
		b.ResetTimer()
		n := 0
		cpuStart := cpuSeconds()
		for b.Loop() {
			for _, t := range batches {
				td := ptrace.NewTraces()
				t.CopyTo(td)
				if err := tp.ConsumeTraces(context.Background(), td); err != nil {
					b.Fatal(err)
				}
			}
			n++
		}
		b.ReportMetric(float64(n*spans)/b.Elapsed().Seconds(), "spans/s")
		if cpu := cpuSeconds() - cpuStart; cpu > 0 {
			b.ReportMetric(float64(n*spans)/cpu, "spans/cpu-s")
		}
	}
}

// confmapInto decodes a raw map into a component config, as the collector does.
func confmapInto(raw map[string]any, cfg any) error {
	return confmap.NewFromStringMap(raw).Unmarshal(cfg)
}

func runAlerts(b *testing.B, lp processor.Logs, batch func(int) plog.Logs) {
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ld := plog.NewLogs()
		batch(i).CopyTo(ld)
		if err := lp.ConsumeLogs(context.Background(), ld); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i*alertBatch)/b.Elapsed().Seconds(), "alerts/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*alertBatch), "ns/alert")
}

// benchStorm feeds 50k distinct firing alerts and reports the rate inside
// ConsumeLogs and the heap per tracked alert.
func benchStorm(b *testing.B, file string, nodes []string, withStorage bool) {
	const n = 50000
	var batches []plog.Logs
	for i := 0; i < n; i += alertBatch {
		ld := plog.NewLogs()
		for k := i; k < i+alertBatch; k++ {
			alertRecord(ld.ResourceLogs(), nodes[(k*7919)%len(nodes)], "HighErrorRate", "warning", alertconv.StateFiring, map[string]string{"n": fmt.Sprint(k)})
		}
		batches = append(batches, ld)
	}
	b.ReportAllocs()
	var perAlert float64
	var busy time.Duration
	for b.Loop() {
		host := componenttest.NewNopHost()
		var storageID component.ID
		if withStorage {
			host, storageID = newStorageHost(b)
		}
		lp, tp := startCorrelator(b, host, func(m map[string]any) {
			m["topology"] = map[string]any{"file": file}
			m["correlation"] = map[string]any{"group_wait": "0s"}
			if withStorage {
				m["storage"] = storageID.String()
			}
		})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, ld := range batches {
			cp := plog.NewLogs()
			ld.CopyTo(cp)
			start := time.Now()
			if err := lp.ConsumeLogs(context.Background(), cp); err != nil {
				b.Fatal(err)
			}
			busy += time.Since(start)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perAlert = float64(after.HeapAlloc-before.HeapAlloc) / n
		// Stopped now and not kept by a cleanup: a later iteration must
		// not pay the GC work of this one's 50k alerts.
		_ = lp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	}
	b.ReportMetric(perAlert, "B/tracked-alert")
	// The storm's rate inside ConsumeLogs (the per-op time also holds
	// the setup, the batch copies and two forced GCs).
	b.ReportMetric(float64(n)*float64(b.N)/busy.Seconds(), "alerts/s")
}

// benchNewAlerts: every record a new alert on a random service of the
// graph, firing, then resolved in the next batch: incidents open, grow,
// re-rank and resolve all the time.
func benchNewAlerts(b *testing.B, file string, nodes []string, evidenceWindow string) {
	lp, _ := newCorrelator(b, func(m map[string]any) {
		m["topology"] = map[string]any{"file": file}
		m["resolve_hold"] = "0s"
		m["flap"] = map[string]any{"window": "1ms"}
		m["correlation"] = map[string]any{"group_wait": "0s", "evidence_window": evidenceWindow}
	})
	const pre = 64
	batches := make([]plog.Logs, pre)
	for i := range pre {
		ld := plog.NewLogs()
		for j := range alertBatch {
			k := i*alertBatch + j
			svc := nodes[(k*7919)%len(nodes)]
			if j%2 == 1 {
				// Resolve the previous record's alert.
				prev := nodes[((k-1)*7919)%len(nodes)]
				alertRecord(ld.ResourceLogs(), prev, "HighErrorRate", "warning", alertconv.StateResolved, map[string]string{"n": fmt.Sprint(k - 1)})
				continue
			}
			alertRecord(ld.ResourceLogs(), svc, "HighErrorRate", "warning", alertconv.StateFiring, map[string]string{"n": fmt.Sprint(k)})
		}
		batches[i] = ld
	}
	runAlerts(b, lp, func(i int) plog.Logs { return batches[i%pre] })
}

// tracesSide is what the correlator's traces side holds, built from its
// default config: the graph, its learner and the evidence tracker, fed by
// one walk as observeTraces feeds them.
type tracesSide struct {
	graph   *topology.Graph
	learner *topology.Learner
	tracker *evidence.Tracker
}

func newTracesSide() *tracesSide {
	cfg := alertcorrelatorprocessor.NewFactory().CreateDefaultConfig().(*alertcorrelatorprocessor.Config)
	g := topology.New(topology.Config{TTL: cfg.Topology.TTL, MaxEdges: cfg.Topology.MaxEdges})
	w := cfg.Correlation.EvidenceWindow
	return &tracesSide{
		graph: g,
		learner: topology.NewLearner(g, topology.LearnerConfig{
			MaxPending: cfg.Topology.MaxPendingSpans, PendingTTL: cfg.Topology.PendingTTL,
		}),
		tracker: evidence.New(evidence.Config{
			Bucket: w / 6, Buckets: 6,
			MaxServices: cfg.Limits.MaxEvidenceServices, MaxEdges: cfg.Limits.MaxEvidenceEdges,
		}),
	}
}

func (s *tracesSide) observe(td ptrace.Traces, now time.Time) {
	batch := evidence.NewBatch(td.SpanCount())
	s.learner.ObserveWith(td, now, batch)
	s.tracker.ObserveBatch(batch, now)
}

// fromWire is td as a receiver hands it on: unmarshalled from OTLP, its
// strings its own.
func fromWire(b *testing.B, td ptrace.Traces) ptrace.Traces {
	buf, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		b.Fatal(err)
	}
	out, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(buf)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// heapAfterGC is the live heap.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// benchTracesMemory measures the heap the traces side holds: first per
// service (one root server span each: an evidence window, no edge), then
// per learned edge (traces over the whole graph: graph edges and nodes,
// evidence edge windows), once the learner's pending pairs expired (they
// are bounded by max_pending_spans and last pending_ttl, whatever the
// graph's size).
func benchTracesMemory(b *testing.B, topo *alertscenario.Topology) {
	nodes := topo.Nodes()
	roots := ptrace.NewTraces()
	for i, n := range nodes {
		rs := roots.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", n)
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetKind(ptrace.SpanKindServer)
		sp.SetTraceID(pcommon.TraceID{0xff, byte(i >> 8), byte(i)})
		sp.SetSpanID(pcommon.SpanID{0xff, byte(i >> 8), byte(i)})
	}
	traces := alertscenario.Traces(topo, 2000, 5)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var perService, perEdge float64
	var services, edges, evidenceEdges int
	for b.Loop() {
		before := heapAfterGC()
		s := newTracesSide()
		s.observe(fromWire(b, roots), now)
		mid := heapAfterGC()
		services = s.tracker.Stats().Services
		for _, td := range traces {
			s.observe(fromWire(b, td), now)
		}
		s.learner.Expire(now.Add(time.Hour))
		after := heapAfterGC()
		_, _, edges = s.graph.Counts()
		st := s.tracker.Stats()
		if st.Services != services {
			b.Fatalf("the traces added evidence services: %d, then %d", services, st.Services)
		}
		evidenceEdges = st.Edges
		perService = float64(mid-before) / float64(services)
		perEdge = float64(after-mid) / float64(edges)
		runtime.KeepAlive(s)
	}
	b.ReportMetric(perService, "B/service")
	b.ReportMetric(perEdge, "B/edge")
	b.ReportMetric(float64(edges), "edges")
	b.ReportMetric(float64(evidenceEdges), "evidence-edges")
}
