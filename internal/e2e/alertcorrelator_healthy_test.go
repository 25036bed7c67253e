package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/workload"
)

// TestAlertCorrelatorOverHealthyOTLP is TestAlertCorrelatorOverOTLP with
// spans that show no fault: the workload's healthy traces, and more of
// them just before the dependency's alert (a load generator decoupled
// from the alerts, a sample that missed the failures). They say nothing
// of either alert (correlate/informative.go): the callee's alert takes
// over the caller's page as its deeper root, as without spans, and there
// is one page. (Read as a verdict, the callee's healthy spans kept its
// alert apart: two pages.)
func TestAlertCorrelatorOverHealthyOTLP(t *testing.T) {
	sink := StartSink(t)
	col := Start(t, Options{
		Configs: []string{"internal/e2e/testdata/alertcorrelator-otlp.yaml"},
		Ports:   []string{"TOPOLOGY"},
		Sink:    sink,
		DataDir: t.TempDir(),
	})
	gen := workload.NewTraceGenerator(workload.TraceOptions{Seed: 21, Services: 8})
	spans := 0
	send := func(n int) {
		traces := gen.Generate(n)
		for _, batch := range workload.Split(traces, 3) {
			SendTraces(t, col.Addr("OTLP_GRPC"), batch)
		}
		spans += workload.Merge(traces).SpanCount()
		sink.WaitSpans(t, spans, 30*time.Second)
	}
	send(200)
	caller, callee := learnedRPCEdge(t, col, gen.ServiceNames())

	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateFiring, [2]string{caller, "HighErrorRate"}))
	waitCorrelatorIncidents(t, sink, 1)
	send(200)
	SendLogs(t, col.Addr("OTLP_GRPC"), correlatorAlerts(alertconv.StateFiring, [2]string{callee, "ServiceDown"}, [2]string{caller, "HighErrorRate"}))
	waitTakenOver(t, sink, caller, callee)
	assert.Equal(t, 1.0, col.MetricValue(t, "otelcol_processor_alert_correlator_incident_records", map[string]string{"state": "open"}), "one page")
	col.Stop(t)
}

// learnedRPCEdge waits for the topology endpoint to serve an rpc edge
// between two of the workload's services, and returns it.
func learnedRPCEdge(t *testing.T, col *Collector, names []string) (caller, callee string) {
	t.Helper()
	var snap struct {
		Edges []struct{ From, To, Source, Kind string }
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + col.Addr("TOPOLOGY") + "/topology")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if json.NewDecoder(resp.Body).Decode(&snap) != nil {
			return false
		}
		for _, e := range snap.Edges {
			if e.Kind == "rpc" && slices.Contains(names, e.From) && slices.Contains(names, e.To) {
				caller, callee = e.From, e.To
				return true
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond)
	return caller, callee
}

// waitTakenOver waits for the two records of the caller's page taken over
// by the callee's alert (the page, then its update with the callee as
// root), checks them and returns them.
func waitTakenOver(t *testing.T, sink *Sink, caller, callee string) []correlatorIncident {
	t.Helper()
	got := waitCorrelatorIncidents(t, sink, 2)
	require.Len(t, got, 2)
	assert.Equal(t, correlatorIncident{got[0].id, alertconv.IncidentOpen, caller, []string{caller}, 1}, got[0])
	want := []string{caller, callee}
	slices.Sort(want)
	assert.Equal(t, correlatorIncident{got[0].id, alertconv.IncidentUpdated, callee, want, 2}, got[1])
	return got
}
