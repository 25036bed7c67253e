package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

// timedOutCalls counts td's calls whose client span ended before the
// server span beneath it: the caller timed out.
func timedOutCalls(td ptrace.Traces) int {
	type key struct {
		trace [16]byte
		span  [8]byte
	}
	clientEnd := map[key]uint64{}
	var servers []ptrace.Span
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				switch sp.Kind() {
				case ptrace.SpanKindClient:
					clientEnd[key{sp.TraceID(), sp.SpanID()}] = uint64(sp.EndTimestamp())
				case ptrace.SpanKindServer:
					servers = append(servers, sp)
				}
			}
		}
	}
	n := 0
	for _, sp := range servers {
		if end, ok := clientEnd[key{sp.TraceID(), sp.ParentSpanID()}]; ok && end < uint64(sp.EndTimestamp()) {
			n++
		}
	}
	return n
}

// slowPaymentStream returns a timed trace stream of frontend -> checkout ->
// payment where payment's own work slows down from slowFrom on, by more
// than some of its callers wait: the slowdown a latency fault draws is
// fixed by its start, so the start is moved on by milliseconds until a
// probe of the same stream shows timed-out calls.
func slowPaymentStream(t *testing.T, slowFrom time.Time, perTick int) (*alertscenario.TraceStream, time.Time) {
	t.Helper()
	services := map[string][]string{"frontend": {"checkout"}, "checkout": {"payment"}, "payment": nil}
	stream := func(from time.Time) *alertscenario.TraceStream {
		return alertscenario.NewTraceStream(&alertscenario.Scenario{
			Topology: &alertscenario.Topology{Name: "chain", Services: services, Entry: []string{"frontend"},
				Databases: map[string]string{}, Brokers: map[string]bool{}},
			Faults: []alertscenario.Fault{{Root: "payment", From: from, To: from.Add(time.Hour), Kind: alertscenario.FaultLatency}},
		}, perTick, 0.5, 0.6, 3)
	}
	for range 1000 {
		if timedOutCalls(stream(slowFrom).Tick(slowFrom)) >= perTick/10 {
			return stream(slowFrom), slowFrom
		}
		slowFrom = slowFrom.Add(time.Millisecond)
	}
	t.Fatal("no latency fault start found whose calls time out")
	return nil, slowFrom
}

// TestCorrelatorBeyondOneCollectorLatency is TestCorrelatorBeyondOneCollector
// for a latency fault: timed traces through the balancer to three observing
// sampler replicas (each sees a third of the traces and judges slowness
// against the usual it learned from them), payment's own work slowing down
// with nothing failing there and some of checkout's calls to it timing out;
// config/alerts.yaml receives only the replicas' summaries. Alerts at
// payment and its callers must make one page, rooted at payment, whose
// evidence says latency originates there, with one of the slow traces sent
// as its exemplar.
func TestCorrelatorBeyondOneCollectorLatency(t *testing.T) {
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer am.Close()
	opts := tierAlertsOptions(am.URL)
	// Evidence windows of 6 s (1 s buckets), as in
	// TestAlertsConfigPagesOnceWithLatencyEvidence: no service is a latency
	// origin before its window's baseline has learned from spans leaving
	// it; the shipped 1m would need a minute of usual traffic first.
	opts.Configs = append(opts.Configs, "yaml:processors::alert_correlator::correlation::evidence_window: 6s")
	alerts := Start(t, opts)
	balancer := startObservingTiers(t, alerts)

	// The stream's clock moves 100 ms a tick and the ticks are at least
	// 100 ms apart: 100 ticks of usual traffic (2000 traces, about 650 per
	// replica, from which each learns the usual self and call times) over
	// at least 10 s, more than the alerts collector's evidence window,
	// then payment slow.
	at := time.Now()
	ts, slowFrom := slowPaymentStream(t, at.Add(10*time.Second), 20)
	slow, timedOut := map[string]bool{}, 0
	send := func() {
		td := ts.Tick(at)
		at = at.Add(100 * time.Millisecond)
		slowPaymentTraces(td, slow)
		timedOut += timedOutCalls(td)
		SendTraces(t, balancer.Addr("OTLP_GRPC"), td)
		time.Sleep(100 * time.Millisecond)
	}
	for at.Before(slowFrom) {
		send()
	}
	require.Zero(t, timedOut, "no timeouts before the fault")
	// payment slow: until each replica has sent summaries of it a few
	// times over.
	merged := func() float64 {
		return alerts.MetricValue(t, "otelcol_processor_alert_correlator_summaries_merged", nil)
	}
	from := merged()
	waitLong(t, "summaries of the slowdown", func() bool { send(); return merged() >= from+9 && len(slow) > 0 },
		func() string {
			return fmt.Sprintf("%v summaries merged since the fault, %d slow traces sent", merged()-from, len(slow))
		})
	require.Positive(t, timedOut, "some of checkout's calls to payment timed out")
	t.Logf("%d slow traces sent, %d calls timed out", len(slow), timedOut)

	var graph topology.Snapshot
	edges := func() []string {
		graph = learnedGraph(t, alerts)
		var out []string
		for _, e := range graph.Edges {
			out = append(out, e.From+" -> "+e.To)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"frontend -> checkout", "checkout -> payment"}, edges(), "%+v", graph)
	assert.Zero(t, alerts.MetricValue(t, "otelcol_processor_alert_correlator_spans_observed", nil), "the alerts collector saw no span")

	hook := "http://" + alerts.Addr("ALERT_WEBHOOK") + "/alertmanager"
	status, body := postJSON(t, hook, "application/json", amWebhook("HighLatency", "frontend", "checkout"))
	require.Equal(t, http.StatusOK, status, body)
	status, body = postJSON(t, hook, "application/json", amWebhook("PaymentSlow", "payment"))
	require.Equal(t, http.StatusOK, status, body)
	path := filepath.Join(alerts.DataDir(), "incidents.jsonl")
	// The slowdown goes on while the correlator waits to page.
	waitLong(t, "the page in incidents.jsonl", func() bool { send(); return len(incidentRecords(t, path)) > 0 },
		func() string { return "no incident record" })
	time.Sleep(2 * time.Second) // room for a second page, if one were coming
	alerts.Stop(t)

	assertOnePaymentLatencyPage(t, path, slow)
}
