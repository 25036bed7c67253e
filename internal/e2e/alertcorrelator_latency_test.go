package e2e

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// slowPaymentTraces records the trace IDs (hex) of td where payment's
// server span took longer than 300 ms.
func slowPaymentTraces(td ptrace.Traces, into map[string]bool) {
	for _, rs := range td.ResourceSpans().All() {
		if v, _ := rs.Resource().Attributes().Get("service.name"); v.Str() != "payment" {
			continue
		}
		for _, sp := range rs.ScopeSpans().At(0).Spans().All() {
			if sp.Kind() == ptrace.SpanKindServer && time.Duration(sp.EndTimestamp()-sp.StartTimestamp()) > 300*time.Millisecond {
				id := sp.TraceID()
				into[hex.EncodeToString(id[:])] = true
			}
		}
	}
}

// TestAlertsConfigPagesOnceWithLatencyEvidence runs the shipped
// config/alerts.yaml: timed traces (alertscenario.TraceStream) show
// payment's own work slowing down, nothing failing there; alerts at
// payment and its callers make one page rooted at payment whose evidence
// says latency originates there, with a slow trace as the exemplar.
func TestAlertsConfigPagesOnceWithLatencyEvidence(t *testing.T) {
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer am.Close()
	col := Start(t, Options{
		// Evidence windows of 6 s (1 s buckets): how many of a service's
		// spans are slow when nothing is wrong is learned from buckets
		// leaving the window, and no service is a latency origin before
		// that (evidence.latency.anomalous); the shipped 1m would need a
		// minute of usual traffic first.
		Configs: []string{"config/alerts.yaml", "yaml:processors::alert_correlator::correlation::evidence_window: 6s"},
		Ports:   []string{"ALERT_WEBHOOK", "OTLP_GRPC", "TOPOLOGY"},
		Env: map[string]string{
			"QUELL_ALERTMANAGER_URL":   am.URL,
			"QUELL_ALERT_GROUP_WAIT":   "3s",
			"QUELL_ALERT_RESOLVE_HOLD": "3s",
		},
	})
	services := map[string][]string{"frontend": {"checkout"}, "checkout": {"payment"}, "payment": nil}
	slowFrom := time.Now().Add(9 * time.Second)
	s := &alertscenario.Scenario{
		Topology: &alertscenario.Topology{Name: "chain", Services: services, Entry: []string{"frontend"},
			Databases: map[string]string{}, Brokers: map[string]bool{}},
		Faults: []alertscenario.Fault{{Root: "payment", From: slowFrom, To: slowFrom.Add(time.Hour), Kind: alertscenario.FaultLatency}},
	}
	ts := alertscenario.NewTraceStream(s, 20, 0.5, 0.6, 3)
	slow := map[string]bool{}
	// Nine seconds of usual traffic (the services' usual self times, and
	// how many of their spans are slow anyway), then two of payment slow;
	// the graph is learned from the same spans.
	for time.Now().Before(slowFrom.Add(2 * time.Second)) {
		td := ts.Tick(time.Now())
		slowPaymentTraces(td, slow)
		SendTraces(t, col.Addr("OTLP_GRPC"), td)
		time.Sleep(100 * time.Millisecond)
	}
	require.NotEmpty(t, slow)
	hook := "http://" + col.Addr("ALERT_WEBHOOK") + "/alertmanager"
	status, body := postJSON(t, hook, "application/json", amWebhook("HighLatency", "frontend", "checkout"))
	require.Equal(t, http.StatusOK, status, body)
	status, body = postJSON(t, hook, "application/json", amWebhook("PaymentSlow", "payment"))
	require.Equal(t, http.StatusOK, status, body)

	path := filepath.Join(col.DataDir(), "incidents.jsonl")
	eventually(t, "the page in incidents.jsonl", func() bool { return len(incidentRecords(t, path)) > 0 })
	time.Sleep(2 * time.Second) // room for a second page, if one were coming
	col.Stop(t)
	assertOnePaymentLatencyPage(t, path, slow)
}
