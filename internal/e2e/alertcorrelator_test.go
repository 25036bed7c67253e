package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/workload"
)

// alertRecords builds alert log records in the Quell alert convention, as
// the alert_webhook receiver emits them.
func otlpAlerts(state string, alerts ...[2]string) plog.Logs {
	ld := plog.NewLogs()
	for _, a := range alerts {
		service, rule := a[0], a[1]
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr(alertconv.ResourceServiceName, service)
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		labels := map[string]string{"alertname": rule, "service": service, "severity": "critical"}
		attrs := lr.Attributes()
		for k, v := range labels {
			attrs.PutStr(alertconv.AttrLabelPrefix+k, v)
		}
		attrs.PutStr(alertconv.AttrRuleName, rule)
		attrs.PutStr(alertconv.AttrFingerprint, alertconv.Fingerprint(labels))
		attrs.PutStr(alertconv.AttrState, state)
		attrs.PutStr(alertconv.AttrSeverity, "critical")
		attrs.PutStr(alertconv.AttrSource, alertconv.SourceOTLP)
		lr.Body().SetStr(rule + " on " + service)
	}
	return ld
}

type incidentSeen struct {
	id, state, root string
	services        []string
	alerts          int64
}

func incidentRecords(sink *Sink) []incidentSeen {
	var out []incidentSeen
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
					out = append(out, incidentSeen{id.Str(), st.Str(), root.Str(), svcs, n.Int()})
				}
			}
		}
	}
	return out
}

func waitIncidents(t *testing.T, sink *Sink, n int) []incidentSeen {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got := incidentRecords(sink); len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := incidentRecords(sink)
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
	var snap struct {
		Edges []struct{ From, To, Source, Kind string }
	}
	var caller, callee string
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + col.Addr("TOPOLOGY") + "/topology")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if json.NewDecoder(resp.Body).Decode(&snap) != nil {
			return false
		}
		names := gen.ServiceNames()
		for _, e := range snap.Edges {
			if e.Kind == "rpc" && slices.Contains(names, e.From) && slices.Contains(names, e.To) {
				caller, callee = e.From, e.To
				return true
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond)
	assert.Contains(t, col.Output(), "service graph changed")

	SendLogs(t, col.Addr("OTLP_GRPC"), otlpAlerts(alertconv.StateFiring, [2]string{caller, "HighErrorRate"}))
	got := waitIncidents(t, sink, 1)
	SendLogs(t, col.Addr("OTLP_GRPC"), otlpAlerts(alertconv.StateFiring, [2]string{callee, "ServiceDown"}, [2]string{caller, "HighErrorRate"}))
	got = waitIncidents(t, sink, 2)
	require.Len(t, got, 2)
	assert.Equal(t, incidentSeen{got[0].id, alertconv.IncidentOpen, caller, []string{caller}, 1}, got[0])
	want := []string{caller, callee}
	slices.Sort(want)
	assert.Equal(t, incidentSeen{got[0].id, alertconv.IncidentUpdated, callee, want, 2}, got[1])
	// One open record: one page.
	assert.Equal(t, 1.0, col.MetricValue(t, "otelcol_processor_alert_correlator_incident_records", map[string]string{"state": "open"}))
	assert.Equal(t, 1.0, col.MetricValue(t, "otelcol_processor_alert_correlator_alerts", map[string]string{"outcome": "duplicate"}))
	col.Stop(t)
	afterStop := incidentRecords(sink)
	require.Len(t, afterStop, 3, "shutdown emits the open incident's state")
	assert.Equal(t, alertconv.IncidentUpdated, afterStop[2].state)

	// Restart on the same storage: a repeat does not page again, and the
	// resolution closes the same incident.
	col = Start(t, opts)
	SendLogs(t, col.Addr("OTLP_GRPC"), otlpAlerts(alertconv.StateFiring, [2]string{callee, "ServiceDown"}))
	SendLogs(t, col.Addr("OTLP_GRPC"), otlpAlerts(alertconv.StateResolved, [2]string{callee, "ServiceDown"}, [2]string{caller, "HighErrorRate"}))
	got = waitIncidents(t, sink, 4)
	assert.Equal(t, alertconv.IncidentResolved, got[3].state)
	assert.Equal(t, got[0].id, got[3].id)
	assert.Equal(t, callee, got[3].root)
	assert.Equal(t, 0.0, col.MetricValue(t, "otelcol_processor_alert_correlator_incident_records", map[string]string{"state": "open"}))
	col.Stop(t)
	for _, r := range incidentRecords(sink) {
		assert.False(t, strings.HasPrefix(r.id, "0000"), "ids are hashes")
	}
}
