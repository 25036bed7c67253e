package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertconv/alertconvtest"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/workload"
)

// correlatorAlerts builds alert log records in the Quell alert convention, as
// the alert_webhook receiver emits them.
func correlatorAlerts(state string, alerts ...[2]string) plog.Logs {
	ld := plog.NewLogs()
	for _, a := range alerts {
		labels := map[string]string{"alertname": a[1], "service": a[0], "severity": "critical"}
		alertconvtest.AppendAlert(ld.ResourceLogs(), labels, state, alertconv.SourceOTLP)
	}
	return ld
}

type correlatorIncident struct {
	id, state, root string
	services        []string
	alerts          int64
}

func correlatorIncidents(sink *Sink) []correlatorIncident {
	var out []correlatorIncident
	for _, ld := range sink.Logs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			sls := ld.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				recs := sls.At(j).LogRecords()
				for k := 0; k < recs.Len(); k++ {
					a := recs.At(k).Attributes()
					st, ok := a.Get(alertconv.AttrIncidentState)
					if !ok {
						continue
					}
					id, _ := a.Get(alertconv.AttrIncidentID)
					root, _ := a.Get(alertconv.AttrIncidentRootService)
					n, _ := a.Get(alertconv.AttrIncidentAlertCount)
					var svcs []string
					if s, ok := a.Get(alertconv.AttrIncidentServices); ok {
						for _, v := range s.Slice().AsRaw() {
							svcs = append(svcs, fmt.Sprint(v))
						}
					}
					out = append(out, correlatorIncident{id.Str(), st.Str(), root.Str(), svcs, n.Int()})
				}
			}
		}
	}
	return out
}

func waitCorrelatorIncidents(t *testing.T, sink *Sink, n int) []correlatorIncident {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got := correlatorIncidents(sink); len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := correlatorIncidents(sink)
	t.Fatalf("want %d incident records, got %d: %+v", n, len(got), got)
	return nil
}

// A traces pipeline and a logs pipeline share one alert_correlator: the
// graph learned from workload traces (spans of a trace in separate
// requests) decides that the dependency is the root of the caller's alert;
// repeats do not page; the state survives a restart; resolution closes the
// incident with the same id.
func TestAlertCorrelatorOverOTLP(t *testing.T) {
	sink := StartSink(t)
	dataDir := t.TempDir()
	opts := Options{
		Configs: []string{"internal/e2e/testdata/alertcorrelator-otlp.yaml"},
		Ports:   []string{"TOPOLOGY"},
		Sink:    sink,
		DataDir: dataDir,
	}
	col := Start(t, opts)

	gen := workload.NewTraceGenerator(workload.TraceOptions{Seed: 21, Services: 8})
	traces := gen.Generate(200)
	for _, batch := range workload.Split(traces, 3) {
		SendTraces(t, col.Addr("OTLP_GRPC"), batch)
	}
	sink.WaitSpans(t, workload.Merge(traces).SpanCount(), 30*time.Second)

	// The learned graph, as served on the topology endpoint.
	caller, callee := learnedRPCEdge(t, col, gen.ServiceNames())
	require.Eventually(t, func() bool { return strings.Contains(col.Output(), "service graph changed") },
		10*time.Second, 100*time.Millisecond, "topology.log_changes logs the graph")

	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateFiring, [2]string{caller, "HighErrorRate"}))
	waitCorrelatorIncidents(t, sink, 1) // paged before the dependency alerts
	// The callee fails, and the caller's calls to it: a dependency the
	// spans showed healthy would take over nothing (correlate/gate.go).
	failing := alertscenario.ChainTraces([]string{caller, callee}, 20, 1<<20, time.Now(), func(uint64) bool { return true })
	SendTraces(t, col.Addr("OTLP_GRPC"), failing)
	sink.WaitSpans(t, workload.Merge(traces).SpanCount()+failing.SpanCount(), 30*time.Second)
	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateFiring, [2]string{callee, "ServiceDown"}, [2]string{caller, "HighErrorRate"}))
	got := waitTakenOver(t, sink, caller, callee)
	// One open record: one page.
	assert.Equal(t, 1.0, col.MetricValue(t, "otelcol_processor_alert_correlator_incident_records", map[string]string{"state": "open"}))
	assert.Equal(t, 1.0, col.MetricValue(t, "otelcol_processor_alert_correlator_alerts", map[string]string{"outcome": "duplicate"}))
	col.Stop(t)
	afterStop := waitCorrelatorIncidents(t, sink, 3) // shutdown emits the open incident's state
	require.Len(t, afterStop, 3)
	assert.Equal(t, alertconv.IncidentUpdated, afterStop[2].state)

	// Restart on the same storage: a repeat does not page again, and the
	// resolution closes the same incident.
	col = Start(t, opts)
	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateFiring, [2]string{callee, "ServiceDown"}))
	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateResolved, [2]string{callee, "ServiceDown"}, [2]string{caller, "HighErrorRate"}))
	got = waitCorrelatorIncidents(t, sink, 4)
	assert.Equal(t, alertconv.IncidentResolved, got[3].state)
	assert.Equal(t, got[0].id, got[3].id)
	assert.Equal(t, callee, got[3].root)
	assert.Equal(t, 0.0, col.MetricValue(t, "otelcol_processor_alert_correlator_incident_records", map[string]string{"state": "open"}))
	col.Stop(t)
	for _, r := range correlatorIncidents(sink) {
		assert.False(t, strings.HasPrefix(r.id, "0000"), "ids are hashes")
	}
}

// A collector killed (SIGKILL) right after it paged keeps the page: after
// the restart on the same storage, the alert's repeat does not page again
// (the page itself is sent once more only if the kill caught it in the
// moment of its send) and its resolution closes the same incident. (The unit test
// TestCrashAfterRecords crashes at the exact moment records leave; this one
// runs the real binary on file_storage.)
func TestAlertCorrelatorCrashKeepsPage(t *testing.T) {
	sink := StartSink(t)
	opts := Options{
		Configs: []string{"internal/e2e/testdata/alertcorrelator-otlp.yaml"},
		Ports:   []string{"TOPOLOGY"},
		Sink:    sink,
		DataDir: t.TempDir(),
	}
	col := Start(t, opts)
	alert := [2]string{"inventory", "InventoryDown"}
	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateFiring, alert))
	paged := waitCorrelatorIncidents(t, sink, 1)[0]
	require.Equal(t, alertconv.IncidentOpen, paged.state)
	col.Kill()

	col = Start(t, opts)
	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateFiring, alert))
	require.Eventually(t, func() bool {
		return col.MetricValue(t, "otelcol_processor_alert_correlator_alerts", map[string]string{"outcome": "duplicate"}) == 1
	}, 10*time.Second, 50*time.Millisecond, "the repeat is known as a repeat")
	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateResolved, alert))
	var got []correlatorIncident
	require.Eventually(t, func() bool {
		got = correlatorIncidents(sink)
		return got[len(got)-1].state == alertconv.IncidentResolved
	}, 20*time.Second, 50*time.Millisecond, "resolved record")
	// One incident: the page, at most once more if the kill caught it in
	// the moment of its send (the same record), then its resolution.
	require.LessOrEqual(t, len(got), 3, "%+v", got)
	for _, r := range got[:len(got)-1] {
		assert.Equal(t, paged, r, "no second page: %+v", got)
	}
	assert.Equal(t, paged.id, got[len(got)-1].id)
	col.Stop(t)
}
