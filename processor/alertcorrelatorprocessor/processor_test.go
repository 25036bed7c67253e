package alertcorrelatorprocessor

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertconv/alertconvtest"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/metadata"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

type harness struct {
	f      *factory
	core   *core
	traces processor.Traces
	logs   processor.Logs
	tsink  *consumertest.TracesSink
	lsink  *consumertest.LogsSink
	tel    *componenttest.Telemetry
	clock  *clock
}

func newHarness(t *testing.T, cfg *Config) *harness {
	t.Helper()
	return newHarnessWrapped(t, cfg, nil)
}

// newHarnessWrapped is newHarness with wrap (when not nil) between the
// logs side and its sink.
func newHarnessWrapped(t *testing.T, cfg *Config, wrap func(consumer.Logs) consumer.Logs) *harness {
	t.Helper()
	h := &harness{
		f:     &factory{cores: map[component.ID]*core{}},
		tsink: new(consumertest.TracesSink), lsink: new(consumertest.LogsSink),
		tel: componenttest.NewTelemetry(), clock: &clock{now: t0},
	}
	t.Cleanup(func() { require.NoError(t, h.tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = h.tel.NewTelemetrySettings()
	var err error
	h.traces, err = h.f.createTraces(context.Background(), set, cfg, h.tsink)
	require.NoError(t, err)
	var next consumer.Logs = h.lsink
	if wrap != nil {
		next = wrap(next)
	}
	h.logs, err = h.f.createLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.Len(t, h.f.cores, 1, "one shared core per component ID")
	h.core = h.f.cores[set.ID]
	h.core.now = h.clock.Now
	return h
}

// sendAt sets the clock to t0+at and passes alerts through the logs side.
func (h *harness) sendAt(t *testing.T, at time.Duration, specs ...alertSpec) {
	t.Helper()
	h.clock.Set(t0.Add(at))
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(specs...)))
}

// tickAt sets the clock to t0+at and runs one tick.
func (h *harness) tickAt(at time.Duration) {
	h.clock.Set(t0.Add(at))
	h.core.tick(context.Background())
}

func (h *harness) start(t *testing.T, host component.Host) {
	t.Helper()
	require.NoError(t, h.traces.Start(context.Background(), host))
	require.NoError(t, h.logs.Start(context.Background(), host))
}

func (h *harness) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, h.traces.Shutdown(context.Background()))
	require.NoError(t, h.logs.Shutdown(context.Background()))
}

func testCfg() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Correlation.GroupWait = 0
	cfg.TickInterval = time.Hour // the test drives time
	return cfg
}

type alertSpec struct {
	service, rule, state, severity string
	labels                         map[string]string
}

func alertLogs(specs ...alertSpec) plog.Logs {
	ld := plog.NewLogs()
	for _, s := range specs {
		labels := map[string]string{"alertname": s.rule, "service": s.service, "severity": s.severity}
		for k, v := range s.labels {
			labels[k] = v
		}
		state := s.state
		if state == "" {
			state = alertconv.StateFiring
		}
		lr := alertconvtest.AppendAlert(ld.ResourceLogs(), labels, state, alertconv.SourceAlertmanager)
		lr.Attributes().PutStr(alertconv.AttrStartsAt, t0.Format(time.RFC3339Nano))
	}
	return ld
}

// spanPair builds a client span in caller and its server span in callee.
func spanPair(td ptrace.Traces, trace byte, id uint64, caller, callee string) {
	var cid, sid pcommon.SpanID
	binary.BigEndian.PutUint64(cid[:], id)
	binary.BigEndian.PutUint64(sid[:], id+1)
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", caller)
	c := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	c.SetTraceID(pcommon.TraceID{trace})
	c.SetSpanID(cid)
	c.SetKind(ptrace.SpanKindClient)
	c.Attributes().PutStr("peer.service", callee)
	rs = td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", callee)
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{trace})
	s.SetSpanID(sid)
	s.SetParentSpanID(cid)
	s.SetKind(ptrace.SpanKindServer)
}

type incidentRecord struct {
	resource map[string]any
	attrs    map[string]any
	body     string
	severity plog.SeverityNumber
}

func incidents(t *testing.T, sink *consumertest.LogsSink) []incidentRecord {
	t.Helper()
	var out []incidentRecord
	for _, ld := range sink.AllLogs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				recs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < recs.Len(); k++ {
					lr := recs.At(k)
					if _, ok := lr.Attributes().Get(alertconv.AttrIncidentState); !ok {
						continue
					}
					out = append(out, incidentRecord{
						resource: rl.Resource().Attributes().AsRaw(), attrs: lr.Attributes().AsRaw(),
						body: lr.Body().Str(), severity: lr.SeverityNumber(),
					})
				}
			}
		}
	}
	return out
}

func counter(t *testing.T, tel *componenttest.Telemetry, name string, kv ...string) int64 {
	t.Helper()
	m, err := tel.GetMetric("otelcol_" + name)
	if err != nil {
		return 0
	}
	var total int64
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, dp := range d.DataPoints {
			if matches(dp.Attributes, kv) {
				total += dp.Value
			}
		}
	case metricdata.Gauge[int64]:
		for _, dp := range d.DataPoints {
			total += dp.Value
		}
	}
	return total
}

func matches(set attribute.Set, kv []string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		v, ok := set.Value(attribute.Key(kv[i]))
		if !ok || v.AsString() != kv[i+1] {
			return false
		}
	}
	return true
}

func TestSharedInstanceLearnsFromTracesAndCorrelatesLogs(t *testing.T) {
	cfg := testCfg()
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())

	// Traces: only observed, passed on untouched.
	td := ptrace.NewTraces()
	spanPair(td, 1, 10, "frontend", "checkout")
	spanPair(td, 1, 20, "checkout", "payment")
	want := ptrace.NewTraces()
	td.CopyTo(want)
	require.NoError(t, h.traces.ConsumeTraces(context.Background(), td))
	require.Len(t, h.tsink.AllTraces(), 1)
	assert.Equal(t, want, h.tsink.AllTraces()[0])
	assert.False(t, h.traces.Capabilities().MutatesData)
	assert.Equal(t, int64(4), counter(t, h.tel, "processor_alert_correlator_spans_observed"))
	assert.Equal(t, int64(2), counter(t, h.tel, "processor_alert_correlator_topology_edges_learned"))

	// Logs: symptom first, then the learned dependency.
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "frontend", rule: "HighErrorRate", severity: "warning"})))
	h.clock.Set(t0.Add(10 * time.Second))
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(
		alertSpec{service: "payment", rule: "PaymentFailures", severity: "critical"},
		alertSpec{service: "frontend", rule: "HighErrorRate", severity: "warning"}, // repeat
	)))
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 2)
	fp := alertconv.Fingerprint(map[string]string{"alertname": "HighErrorRate", "service": "frontend", "severity": "warning"})
	payFP := alertconv.Fingerprint(map[string]string{"alertname": "PaymentFailures", "service": "payment", "severity": "critical"})
	id := recs[0].attrs[alertconv.AttrIncidentID]
	assert.Equal(t, map[string]any{
		alertconv.AttrIncidentID:          id,
		alertconv.AttrIncidentState:       alertconv.IncidentOpen,
		alertconv.AttrIncidentRootService: "frontend",
		alertconv.AttrIncidentRootAlert:   "HighErrorRate",
		alertconv.AttrIncidentServices:    []any{"frontend"},
		alertconv.AttrIncidentAlertCount:  int64(1),
		alertconv.AttrIncidentSuppressed:  int64(0),
		alertconv.AttrIncidentFirstSeen:   t0.Format(time.RFC3339Nano),
		alertconv.AttrIncidentLastSeen:    t0.Format(time.RFC3339Nano),
		alertconv.AttrFingerprint:         fp,
		alertconv.AttrRuleName:            "HighErrorRate",
		alertconv.AttrSeverity:            "warning",
	}, recs[0].attrs)
	assert.Equal(t, map[string]any{"service.name": "frontend"}, recs[0].resource)
	assert.Equal(t, "[open] HighErrorRate on frontend", recs[0].body)
	assert.Equal(t, plog.SeverityNumberWarn, recs[0].severity)
	assert.Equal(t, map[string]any{
		alertconv.AttrIncidentID:          id,
		alertconv.AttrIncidentState:       alertconv.IncidentUpdated,
		alertconv.AttrIncidentRootService: "payment",
		alertconv.AttrIncidentRootAlert:   "PaymentFailures",
		alertconv.AttrIncidentServices:    []any{"frontend", "payment"},
		alertconv.AttrIncidentSymptoms:    []any{"frontend"},
		alertconv.AttrIncidentAlertCount:  int64(2),
		alertconv.AttrIncidentSuppressed:  int64(1),
		alertconv.AttrIncidentFirstSeen:   t0.Format(time.RFC3339Nano),
		alertconv.AttrIncidentLastSeen:    t0.Add(10 * time.Second).Format(time.RFC3339Nano),
		alertconv.AttrFingerprint:         payFP,
		alertconv.AttrRuleName:            "PaymentFailures",
		alertconv.AttrSeverity:            "critical",
	}, recs[1].attrs)
	assert.Equal(t, "[updated] PaymentFailures on payment (+1 symptom alerts on frontend)", recs[1].body)
	// Only incident records leave by default.
	assert.Equal(t, 2, h.lsink.LogRecordCount())

	assert.Equal(t, int64(2), counter(t, h.tel, "processor_alert_correlator_alerts", "outcome", "correlated"))
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_alerts", "outcome", "duplicate"))
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_incident_records", "state", "open"))
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_incident_records", "state", "updated"))
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_open_incidents"))
	assert.Equal(t, int64(2), counter(t, h.tel, "processor_alert_correlator_tracked_alerts"))
	assert.Equal(t, int64(2), counter(t, h.tel, "processor_alert_correlator_topology_edges"))

	// Shutdown of the first pipeline keeps the instance; the last emits
	// the open incident's state and releases the ID.
	require.NoError(t, h.traces.Shutdown(context.Background()))
	assert.Len(t, h.f.cores, 1)
	assert.Len(t, incidents(t, h.lsink), 2)
	require.NoError(t, h.logs.Shutdown(context.Background()))
	assert.Empty(t, h.f.cores)
	recs = incidents(t, h.lsink)
	require.Len(t, recs, 3)
	assert.Equal(t, alertconv.IncidentUpdated, recs[2].attrs[alertconv.AttrIncidentState])
	assert.Equal(t, id, recs[2].attrs[alertconv.AttrIncidentID])
}

func TestResolveThroughTick(t *testing.T) {
	cfg := testCfg()
	cfg.ResolveHold = time.Minute
	cfg.Topology.File = "testdata/otel-demo-topology.yaml"
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "cart", rule: "CartErrors", severity: "error"})))
	h.sendAt(t, time.Minute, alertSpec{service: "cart", rule: "CartErrors", severity: "error", state: alertconv.StateResolved})
	assert.Len(t, incidents(t, h.lsink), 1, "resolution held")
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_alerts", "outcome", "held"))
	h.tickAt(2 * time.Minute)
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 2)
	assert.Equal(t, alertconv.IncidentResolved, recs[1].attrs[alertconv.AttrIncidentState])
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_incident_records", "state", "resolved"))
	h.stop(t)
	assert.Len(t, incidents(t, h.lsink), 2, "nothing open at shutdown")
}

func TestPassAlertsMarksThem(t *testing.T) {
	cfg := testCfg()
	cfg.PassAlerts = true
	cfg.Topology.File = "testdata/otel-demo-topology.yaml"
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())
	ld := alertLogs(
		alertSpec{service: "payment", rule: "PaymentFailures", severity: "critical"},
		alertSpec{service: "checkout", rule: "HighErrorRate", severity: "warning"},
	)
	other := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	other.Body().SetStr("an ordinary log line")
	bad := alertLogs(alertSpec{service: "cart", rule: "X", state: "pending"})
	bad.ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), ld))
	out := h.lsink.AllLogs()[0]
	require.Equal(t, 5, out.LogRecordCount(), "2 alerts + 1 ordinary + 1 invalid + 1 incident")
	get := func(i int) plog.LogRecord { return out.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords().At(0) }
	id, _ := get(0).Attributes().Get(alertconv.AttrIncidentID)
	sup, _ := get(0).Attributes().Get(alertconv.AttrSuppressed)
	assert.False(t, sup.Bool())
	id2, _ := get(1).Attributes().Get(alertconv.AttrIncidentID)
	sup, _ = get(1).Attributes().Get(alertconv.AttrSuppressed)
	assert.True(t, sup.Bool())
	assert.Equal(t, id.Str(), id2.Str())
	assert.Equal(t, "an ordinary log line", get(2).Body().Str())
	_, marked := get(3).Attributes().Get(alertconv.AttrIncidentID)
	assert.False(t, marked, "invalid alert passed on unmarked")
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_alerts", "outcome", "invalid"))
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_suppressed_alerts"))
	h.stop(t)
}

// TestStormBeyondMaxIncidents: past limits.max_incidents alerts fold into
// one storm incident per environment, counted, instead of failing open
// into a flood of raw alerts.
func TestStormBeyondMaxIncidents(t *testing.T) {
	cfg := testCfg()
	cfg.Limits.MaxIncidents = 1
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())
	storm := []alertSpec{{service: "a", rule: "A"}}
	for i := range 20 {
		storm = append(storm, alertSpec{service: fmt.Sprintf("s%02d", i), rule: "B"})
	}
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(storm...)))
	assert.Equal(t, int64(20), counter(t, h.tel, "processor_alert_correlator_overflow", "map", "incidents"))
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 2, "the one incident and the storm; no raw alert")
	assert.Equal(t, 2, h.lsink.LogRecordCount())
	assert.Equal(t, true, recs[1].attrs[alertconv.AttrIncidentStorm])
	assert.Equal(t, int64(20), recs[1].attrs[alertconv.AttrIncidentAlertCount])
	assert.Contains(t, recs[1].body, "alert storm beyond limits.max_incidents: 20 alerts on 20 services")
	h.stop(t)
}

func TestNonAlertLogsPassAndEmptyBatchSkips(t *testing.T) {
	h := newHarness(t, testCfg())
	h.start(t, componenttest.NewNopHost())
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("hello")
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), ld))
	assert.Equal(t, 1, h.lsink.LogRecordCount())
	// A batch of duplicates emits nothing at all.
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "a", rule: "A"})))
	n := len(h.lsink.AllLogs())
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "a", rule: "A"})))
	assert.Len(t, h.lsink.AllLogs(), n)
	h.stop(t)
}

func TestTopologyEndpoint(t *testing.T) {
	cfg := testCfg()
	cfg.Topology.Endpoint = "127.0.0.1:0"
	cfg.Topology.File = "testdata/otel-demo-topology.yaml"
	cfg.Topology.LogChanges = true
	h := newHarness(t, cfg)
	// Learn a listener address: start on port 0 and read it back.
	h.start(t, componenttest.NewNopHost())
	addr := h.core.serverAddr()
	require.NotEmpty(t, addr)
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "payment", rule: "PaymentFailures"})))
	resp, err := http.Get("http://" + addr + "/topology")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var snap topology.Snapshot
	require.NoError(t, json.Unmarshal(body, &snap))
	assert.Len(t, snap.Nodes, 19)
	assert.Equal(t, 30, snap.StaticEdges)
	resp, err = http.Get("http://" + addr + "/incidents")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"root_service":"payment"`)
	h.core.tick(context.Background()) // logs the graph once
	h.stop(t)
}

// memStorage is an in-memory storage extension.
type memStorage struct {
	component.StartFunc
	component.ShutdownFunc
	data map[string][]byte
	// failBatch makes every Batch fail (a full or broken disk).
	failBatch bool
}

func (m *memStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return &memClient{m}, nil
}

type memClient struct{ s *memStorage }

func (c *memClient) Get(_ context.Context, k string) ([]byte, error) { return c.s.data[k], nil }
func (c *memClient) Set(_ context.Context, k string, v []byte) error {
	c.s.data[k] = v
	return nil
}
func (c *memClient) Delete(_ context.Context, k string) error {
	delete(c.s.data, k)
	return nil
}
func (c *memClient) Batch(_ context.Context, ops ...*storage.Operation) error {
	if c.s.failBatch {
		return errors.New("disk full")
	}
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value = c.s.data[op.Key]
		case storage.Set:
			c.s.data[op.Key] = op.Value
		case storage.Delete:
			delete(c.s.data, op.Key)
		}
	}
	return nil
}
func (c *memClient) Close(context.Context) error { return nil }

type host struct {
	ext map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.ext }

// storageSetup returns the test config with storage on an in-memory
// storage extension, that storage, and a host holding it.
func storageSetup() (*Config, *memStorage, host) {
	id := component.MustNewID("file_storage")
	st := &memStorage{data: map[string][]byte{}}
	cfg := testCfg()
	cfg.Storage = &id
	cfg.Topology.File = "testdata/otel-demo-topology.yaml"
	return cfg, st, host{ext: map[component.ID]component.Component{id: st}}
}

func TestStateSurvivesRestart(t *testing.T) {
	cfg, st, hst := storageSetup()

	h := newHarness(t, cfg)
	h.start(t, hst)
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "payment", rule: "PaymentFailures"})))
	assert.Empty(t, incidents(t, h.lsink), "with storage, records leave from the tick")
	h.core.tick(context.Background())
	h.stop(t)
	require.NotEmpty(t, st.data[stateKey])
	first := incidents(t, h.lsink)
	require.Len(t, first, 2) // open, then the state at shutdown

	h2 := newHarness(t, cfg)
	h2.start(t, hst)
	h2.sendAt(t, time.Minute, alertSpec{service: "payment", rule: "PaymentFailures"})
	h2.core.tick(context.Background())
	assert.Empty(t, incidents(t, h2.lsink), "a repeat after the restart does not page again")
	h2.sendAt(t, 2*time.Minute, alertSpec{service: "payment", rule: "PaymentFailures", state: alertconv.StateResolved})
	h2.tickAt(4 * time.Minute)
	recs := incidents(t, h2.lsink)
	require.Len(t, recs, 1)
	assert.Equal(t, alertconv.IncidentResolved, recs[0].attrs[alertconv.AttrIncidentState])
	assert.Equal(t, first[0].attrs[alertconv.AttrIncidentID], recs[0].attrs[alertconv.AttrIncidentID])
	h2.stop(t)
}

// TestDeployDoesNotPagePendingIncidents: with storage, an incident still in
// its group_wait when the collector stops (a rolling deploy) does not page
// at shutdown; the restarted collector pages it once, at its time, with the
// symptom that arrived after the restart in it. Without storage it pages at
// shutdown (TestLogsSideStopsFirst), rather than never.
func TestDeployDoesNotPagePendingIncidents(t *testing.T) {
	cfg, _, hst := storageSetup()
	cfg.Correlation.GroupWait = time.Minute

	h := newHarness(t, cfg)
	h.start(t, hst)
	h.sendAt(t, 0, alertSpec{service: "payment", rule: "PaymentFailures", severity: "critical"})
	h.tickAt(10 * time.Second)
	h.stop(t)
	assert.Empty(t, incidents(t, h.lsink), "pending at shutdown: saved, not paged")

	h2 := newHarness(t, cfg)
	h2.start(t, hst)
	h2.sendAt(t, 20*time.Second, alertSpec{service: "frontend", rule: "HighErrorRate", severity: "warning"})
	h2.tickAt(30 * time.Second)
	assert.Empty(t, incidents(t, h2.lsink), "still within group_wait")
	h2.tickAt(time.Minute)
	recs := incidents(t, h2.lsink)
	require.Len(t, recs, 1)
	assert.Equal(t, alertconv.IncidentOpen, recs[0].attrs[alertconv.AttrIncidentState])
	assert.Equal(t, "payment", recs[0].attrs[alertconv.AttrIncidentRootService])
	assert.ElementsMatch(t, []any{"frontend", "payment"}, recs[0].attrs[alertconv.AttrIncidentServices])
	h2.stop(t)
}

// TestUnsavedShutdownPagesPendingIncidents: when the last save fails at
// shutdown, an incident not paged yet, which only the saved state would
// have carried over the restart, pages then rather than be lost, and the
// shutdown returns the error.
func TestUnsavedShutdownPagesPendingIncidents(t *testing.T) {
	cfg, st, hst := storageSetup()
	cfg.Correlation.GroupWait = time.Minute

	h := newHarness(t, cfg)
	h.start(t, hst)
	h.sendAt(t, 0, alertSpec{service: "payment", rule: "PaymentFailures", severity: "critical"})
	h.tickAt(10 * time.Second)
	st.failBatch = true
	require.NoError(t, h.traces.Shutdown(context.Background()))
	assert.ErrorContains(t, h.logs.Shutdown(context.Background()), "disk full")
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 1, "paged at shutdown rather than lost")
	assert.Equal(t, alertconv.IncidentOpen, recs[0].attrs[alertconv.AttrIncidentState])
}

// TestCrashAfterRecords crashes an instance (no Shutdown) at the worst
// moment, while its next consumer takes a record (what a crash keeps is what
// storage held then), and again after a tick that sent records. A record
// is never lost and its state never forgotten: caught mid-send, the record
// is sent again after the restart, with the same incident.id; after the
// send, nothing is sent twice. The repeat that follows the restart does
// not page again and the resolution closes the same incident; once
// resolved, nothing is left open. Records sent before their state is saved
// fail this.
func TestCrashAfterRecords(t *testing.T) {
	cfg, st, hst := storageSetup()
	cfg.ResolveHold = time.Minute
	var atSend map[string][]byte
	snapshotOnSend := func(next consumer.Logs) consumer.Logs {
		f, err := consumer.NewLogs(func(ctx context.Context, ld plog.Logs) error {
			atSend = maps.Clone(st.data)
			return next.ConsumeLogs(ctx, ld)
		})
		require.NoError(t, err)
		return f
	}
	crash := func(h *harness, kept map[string][]byte) {
		h.stop(t) // ends its goroutines; what it sends and saves is dropped
		st.data = kept
	}
	states := func(recs []incidentRecord) (out []string) {
		for _, r := range recs {
			out = append(out, r.attrs[alertconv.AttrIncidentState].(string))
		}
		return out
	}

	h := newHarnessWrapped(t, cfg, snapshotOnSend)
	h.start(t, hst)
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "payment", rule: "PaymentFailures"})))
	h.core.tick(context.Background())
	paged := incidents(t, h.lsink)
	require.Equal(t, []string{alertconv.IncidentOpen}, states(paged))
	crash(h, atSend) // mid-send

	h2 := newHarnessWrapped(t, cfg, snapshotOnSend)
	h2.start(t, hst)
	h2.core.tick(context.Background())
	again := incidents(t, h2.lsink)
	require.Equal(t, []string{alertconv.IncidentOpen}, states(again), "caught mid-send, the page is sent again")
	assert.Equal(t, paged[0].attrs, again[0].attrs, "the same record, the same incident.id")
	assert.NotContains(t, st.data, outboxKey, "sent, and at once no longer saved as waiting")
	h2.sendAt(t, time.Minute, alertSpec{service: "payment", rule: "PaymentFailures"})
	h2.core.tick(context.Background())
	assert.Len(t, incidents(t, h2.lsink), 1, "the repeat does not page again")
	crash(h2, maps.Clone(st.data)) // after the send

	h3 := newHarnessWrapped(t, cfg, snapshotOnSend)
	h3.start(t, hst)
	h3.core.tick(context.Background())
	assert.Empty(t, incidents(t, h3.lsink), "sent before the crash: not sent again")
	h3.sendAt(t, 2*time.Minute, alertSpec{service: "payment", rule: "PaymentFailures", state: alertconv.StateResolved})
	h3.tickAt(3 * time.Minute)
	recs := incidents(t, h3.lsink)
	require.Equal(t, []string{alertconv.IncidentResolved}, states(recs))
	assert.Equal(t, paged[0].attrs[alertconv.AttrIncidentID], recs[0].attrs[alertconv.AttrIncidentID])
	crash(h3, atSend) // mid-send

	h4 := newHarness(t, cfg)
	h4.start(t, hst)
	h4.core.tick(context.Background())
	assert.Equal(t, []string{alertconv.IncidentResolved}, states(incidents(t, h4.lsink)), "caught mid-send, the resolution is sent again")
	h4.stop(t)
	assert.Len(t, incidents(t, h4.lsink), 1, "resolved: nothing open at shutdown")
}

// TestAcceptedAlertsSurviveCrash crashes an instance right after it
// acknowledged alerts, before any tick saved its state: the restart
// replays the journaled alerts and pages as if nothing had happened. A save
// drops the journaled batches it covers.
func TestAcceptedAlertsSurviveCrash(t *testing.T) {
	cfg, st, hst := storageSetup()
	inboxKeys := func() (keys []string) {
		for k := range st.data {
			if strings.HasPrefix(k, inboxKeyPrefix) && k != inboxCoveredKey {
				keys = append(keys, k)
			}
		}
		return keys
	}

	h := newHarness(t, cfg)
	h.start(t, hst)
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "checkout", rule: "CheckoutErrors"})))
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "payment", rule: "PaymentFailures"})))
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "payment", rule: "PaymentFailures"})))
	assert.Len(t, inboxKeys(), 2, "one journaled batch per batch that changed an alert; the repeat changed none")
	kept := maps.Clone(st.data)
	h.stop(t)
	st.data = kept // the crash: nothing after the last acknowledgement

	h2 := newHarness(t, cfg)
	h2.start(t, hst)
	h2.core.tick(context.Background())
	recs := incidents(t, h2.lsink)
	require.Len(t, recs, 1, "the accepted alerts page after the restart")
	assert.Equal(t, alertconv.IncidentOpen, recs[0].attrs[alertconv.AttrIncidentState])
	assert.Equal(t, "payment", recs[0].attrs[alertconv.AttrIncidentRootService])
	assert.Equal(t, int64(2), recs[0].attrs[alertconv.AttrIncidentAlertCount])
	assert.Empty(t, inboxKeys(), "the saved state covers them: journal dropped")
	require.NotEmpty(t, st.data[stateKey])
	h2.stop(t)
}

// refusing passes logs on to next unless refuse is set; with permanent,
// its refusals are permanent errors.
type refusing struct {
	next      consumer.Logs
	refuse    bool
	permanent bool
	calls     int
}

// startRefused starts a harness on cfg and hst whose next logs consumer
// refuses until told otherwise.
func startRefused(t *testing.T, cfg *Config, hst component.Host) (*harness, *refusing) {
	t.Helper()
	var r *refusing
	h := newHarnessWrapped(t, cfg, func(next consumer.Logs) consumer.Logs {
		r = &refusing{next: next, refuse: true}
		return r
	})
	h.start(t, hst)
	return h, r
}

func (r *refusing) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (r *refusing) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	r.calls++
	if r.refuse {
		// What a consumer that fails may do: change what it got.
		ld.ResourceLogs().RemoveIf(func(plog.ResourceLogs) bool { return true })
		if r.permanent {
			return consumererror.NewPermanent(errors.New("refused for good"))
		}
		return errors.New("queue is full")
	}
	return r.next.ConsumeLogs(ctx, ld)
}

// TestRefusedRecordsRetried: records the next consumer refuses on a tick are
// saved and sent, whole and in order, on a later tick; beyond max_incidents
// kept records the oldest are dropped and counted; a permanent refusal
// drops its batch.
func TestRefusedRecordsRetried(t *testing.T) {
	cfg, st, hst := storageSetup() // records leave from the tick only
	cfg.Limits.MaxIncidents = 2
	h, r := startRefused(t, cfg, hst)
	alert := func(at time.Duration, service, rule string) {
		h.clock.Set(t0.Add(at))
		require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: service, rule: rule})))
		h.core.tick(context.Background())
	}
	alert(0, "cart", "CartErrors")                      // the page
	alert(10*time.Second, "checkout", "CheckoutErrors") // an update
	assert.Equal(t, 2, r.calls)
	assert.Empty(t, incidents(t, h.lsink))
	assert.Equal(t, 2, h.core.outboxRecords(), "both records kept")
	saved, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(st.data[outboxKey])
	require.NoError(t, err)
	assert.Equal(t, 2, saved.LogRecordCount(), "and saved: a crash does not lose them")
	alert(20*time.Second, "frontend", "FrontendErrors") // another update
	assert.Equal(t, 2, h.core.outboxRecords(), "the oldest dropped beyond max_incidents")
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_overflow", "map", "unsent_records"))

	r.refuse = false
	h.core.tick(context.Background())
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 2, "the kept records arrive whole")
	assert.Equal(t, int64(2), recs[0].attrs[alertconv.AttrIncidentAlertCount], "in order")
	assert.Equal(t, int64(3), recs[1].attrs[alertconv.AttrIncidentAlertCount])
	assert.Zero(t, h.core.outboxRecords())
	h.core.tick(context.Background())
	assert.Len(t, incidents(t, h.lsink), 2, "sent once")

	r.refuse, r.permanent = true, true
	calls := r.calls
	alert(30*time.Second, "payment", "PaymentFailures") // a deeper root: an update
	assert.Equal(t, calls+1, r.calls)
	assert.Zero(t, h.core.outboxRecords(), "a permanent refusal is not retried")
	r.refuse = false
	h.stop(t)
}

func TestStartErrors(t *testing.T) {
	id := component.MustNewID("file_storage")
	cfg := testCfg()
	cfg.Storage = &id
	h := newHarness(t, cfg)
	assert.ErrorContains(t, h.logs.Start(context.Background(), componenttest.NewNopHost()), `storage: extension "file_storage" not found`)
	h.stop(t)

	cfg = testCfg()
	cfg.Storage = &id
	h = newHarness(t, cfg)
	assert.ErrorContains(t, h.logs.Start(context.Background(), host{ext: map[component.ID]component.Component{id: notStorage{}}}), "not a storage extension")
	h.stop(t)
}

type notStorage struct {
	component.StartFunc
	component.ShutdownFunc
}

// The collector may stop the traces pipeline's processor after the logs
// pipeline's exporter: the open incidents' state goes out when the logs side
// stops, and the traces side keeps passing spans on until it stops.
func TestLogsSideStopsFirst(t *testing.T) {
	cfg := testCfg()
	cfg.Topology.File = "testdata/otel-demo-topology.yaml"
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "payment", rule: "PaymentFailures"})))
	require.NoError(t, h.logs.Shutdown(context.Background()))
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 2)
	assert.Equal(t, alertconv.IncidentUpdated, recs[1].attrs[alertconv.AttrIncidentState])
	assert.Len(t, h.f.cores, 1, "the traces side still holds the instance")

	td := ptrace.NewTraces()
	spanPair(td, 1, 10, "frontend", "checkout")
	require.NoError(t, h.traces.ConsumeTraces(context.Background(), td))
	assert.Equal(t, 2, h.tsink.SpanCount())
	h.clock.Set(t0.Add(time.Hour))
	h.core.tick(context.Background()) // nothing left to send to
	assert.Len(t, incidents(t, h.lsink), 2)
	require.NoError(t, h.traces.Shutdown(context.Background()))
	assert.Empty(t, h.f.cores)
}

func TestSilenceFromConfig(t *testing.T) {
	cfg := testCfg()
	cfg.Silences = []SilenceConfig{{Name: "deploy", Matchers: []string{`service="payment"`}, StartsAt: t0.Add(-time.Minute), EndsAt: t0.Add(time.Hour)}}
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(
		alertSpec{service: "payment", rule: "PaymentFailures"},
		alertSpec{service: "cart", rule: "CartErrors"})))
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 1)
	assert.Equal(t, "cart", recs[0].attrs[alertconv.AttrIncidentRootService])
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_alerts", "outcome", "silenced"))
	h.stop(t)
}

func TestOneLogsPipelinePerID(t *testing.T) {
	h := newHarness(t, testCfg())
	set := processortest.NewNopSettings(metadata.Type)
	_, err := h.f.createLogs(context.Background(), set, testCfg(), consumertest.NewNop())
	assert.ErrorContains(t, err, "alert_correlator: already in a logs pipeline")
	// A second traces pipeline is fine: it only observes.
	tp, err := h.f.createTraces(context.Background(), set, testCfg(), consumertest.NewNop())
	require.NoError(t, err)
	h.start(t, componenttest.NewNopHost())
	require.NoError(t, tp.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, tp.Shutdown(context.Background()))
	h.stop(t)
	assert.Empty(t, h.f.cores)
}

func TestMergedIncidentRecords(t *testing.T) {
	h := newHarness(t, testCfg())
	h.start(t, componenttest.NewNopHost())
	td := ptrace.NewTraces()
	spanPair(td, 1, 10, "frontend", "payment")
	spanPair(td, 1, 20, "checkout", "payment")
	require.NoError(t, h.traces.ConsumeTraces(context.Background(), td))

	// Two symptoms page as separate incidents before their root arrives.
	// Critical: two callers of a service that has not alerted, below the
	// top severity and within the burst window of each other, would page
	// together naming it (internal/correlate/silentdep.go).
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "frontend", rule: "HighErrorRate", severity: "critical"})))
	require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: "checkout", rule: "HighErrorRate", severity: "critical"})))
	recs := incidents(t, h.lsink)
	require.Len(t, recs, 2)
	assert.NotEqual(t, recs[0].attrs[alertconv.AttrIncidentID], recs[1].attrs[alertconv.AttrIncidentID])

	h.sendAt(t, 10*time.Second, alertSpec{service: "payment", rule: "PaymentFailures", severity: "critical"})
	recs = incidents(t, h.lsink)
	require.Len(t, recs, 4)
	merged, survivor := recs[2].attrs, recs[3].attrs
	assert.Equal(t, alertconv.IncidentResolved, merged[alertconv.AttrIncidentState])
	assert.Equal(t, alertconv.IncidentUpdated, survivor[alertconv.AttrIncidentState])
	assert.Equal(t, survivor[alertconv.AttrIncidentID], merged[alertconv.AttrIncidentMergedInto])
	assert.Contains(t, recs[2].body, "(merged into "+survivor[alertconv.AttrIncidentID].(string)+")")
	assert.NotContains(t, survivor, alertconv.AttrIncidentMergedInto)
	assert.Equal(t, "payment", survivor[alertconv.AttrIncidentRootService])
	assert.Equal(t, []any{"checkout", "frontend", "payment"}, survivor[alertconv.AttrIncidentServices])
	assert.Equal(t, int64(3), survivor[alertconv.AttrIncidentAlertCount])
	assert.Equal(t, int64(1), counter(t, h.tel, "processor_alert_correlator_incident_records", "state", "resolved"))
	h.stop(t)
}

// TestOutboxZeroMaxIncidentsIsTheDefault: limits.max_incidents: 0 means
// 10000 for the outbox too, not one batch.
func TestOutboxZeroMaxIncidentsIsTheDefault(t *testing.T) {
	cfg, _, hst := storageSetup()
	cfg.Limits.MaxIncidents = 0
	h, r := startRefused(t, cfg, hst)
	for i, svc := range []string{"cart", "checkout", "frontend"} {
		h.clock.Set(t0.Add(time.Duration(i) * 10 * time.Second))
		require.NoError(t, h.logs.ConsumeLogs(context.Background(), alertLogs(alertSpec{service: svc, rule: "Errors"})))
		h.core.tick(context.Background())
	}
	assert.Equal(t, 3, h.core.outboxRecords(), "every refused record kept")
	assert.Zero(t, counter(t, h.tel, "processor_alert_correlator_overflow", "map", "unsent_records"))
	r.refuse = false
	h.stop(t)
}
