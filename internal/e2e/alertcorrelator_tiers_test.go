package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// TestCorrelatorBeyondOneCollector runs the shipped two-tier configs with
// a separate alerts collector: 1 balancer, 3 sampler replicas whose
// topology_summary connectors observe every span, and config/alerts.yaml
// receiving only their summaries. The graph it learns must equal the one a
// single alerts collector learns from the same spans, and a fault at
// payment must page once, with payment as the root and the trace evidence.
func TestCorrelatorBeyondOneCollector(t *testing.T) {
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer am.Close()
	alertsOpts := tierAlertsOptions(am.URL)
	alerts := Start(t, alertsOpts)
	single := Start(t, alertsOpts) // the reference: sees every span itself
	balancer := startObservingTiers(t, alerts)

	// A few seconds of traffic with payment failing, to the balancer and
	// to the reference alike.
	for i := range 10 {
		td := checkoutTraces(20, uint64(i*20))
		SendTraces(t, single.Addr("OTLP_GRPC"), td)
		SendTraces(t, balancer.Addr("OTLP_GRPC"), td)
		time.Sleep(200 * time.Millisecond)
	}
	want := learnedGraph(t, single)
	require.Len(t, want.Edges, 2, "the reference learned frontend -> checkout -> payment")
	var got topology.Snapshot
	waitLong(t, "the merged graph to equal the single-instance one", func() bool {
		got = learnedGraph(t, alerts)
		return assert.ObjectsAreEqual(want.Nodes, got.Nodes) && assert.ObjectsAreEqual(want.Edges, got.Edges)
	}, func() string { return fmt.Sprintf("got %+v, want %+v", got, want) })
	assert.Zero(t, alerts.MetricValue(t, "otelcol_processor_alert_correlator_spans_observed", nil), "the alerts collector saw no span")
	assert.Positive(t, alerts.MetricValue(t, "otelcol_processor_alert_correlator_summaries_merged", nil))

	hook := "http://" + alerts.Addr("ALERT_WEBHOOK") + "/alertmanager"
	status, body := postJSON(t, hook, "application/json", amWebhook("HighErrorRate", "frontend", "checkout"))
	require.Equal(t, http.StatusOK, status, body)
	status, body = postJSON(t, hook, "application/json", amWebhook("PaymentFailing", "payment"))
	require.Equal(t, http.StatusOK, status, body)
	path := filepath.Join(alerts.DataDir(), "incidents.jsonl")
	waitLong(t, "the page in incidents.jsonl", func() bool { return len(incidentRecords(t, path)) > 0 },
		func() string { return "no incident record" })
	time.Sleep(2 * time.Second) // room for a second page, if one were coming
	alerts.Stop(t)

	opens := openPages(t, path)
	require.Len(t, opens, 1, "one page")
	page := opens[0]
	assert.Equal(t, "payment", page["incident.root_service"])
	why, _ := page["incident.evidence"].(string)
	assert.True(t, strings.HasPrefix(why, "errors originate in payment: "), why)
	assert.Len(t, page["incident.exemplar_trace_id"], 32)
}

// learnedGraph reads a collector's graph from alert_correlator's topology
// endpoint, without the last-seen times (each collector has its own clock).
func learnedGraph(t *testing.T, c *Collector) topology.Snapshot {
	t.Helper()
	resp, err := http.Get("http://" + c.Addr("TOPOLOGY") + "/topology") //nolint:gosec // loopback
	require.NoError(t, err)
	defer resp.Body.Close()
	var s topology.Snapshot
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
	for i := range s.Edges {
		s.Edges[i].LastSeen = nil
	}
	return s
}

// waitLong polls cond for up to 90s (a loaded 2-core CI machine runs five
// collectors here), failing with detail() when it never holds.
func waitLong(t *testing.T, what string, cond func() bool, detail func() string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, detail())
		}
		time.Sleep(250 * time.Millisecond)
	}
}
