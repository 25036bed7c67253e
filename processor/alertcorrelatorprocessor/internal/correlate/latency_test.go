package correlate

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

// slowTraces returns the trace IDs (hex) in td where svc's server span
// took longer than d.
func slowTraces(td ptrace.Traces, svc string, d time.Duration, into map[string]bool) {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		if v, _ := rss.At(i).Resource().Attributes().Get("service.name"); v.Str() != svc {
			continue
		}
		spans := rss.At(i).ScopeSpans().At(0).Spans()
		for k := range spans.Len() {
			sp := spans.At(k)
			if sp.Kind() == ptrace.SpanKindServer && time.Duration(sp.EndTimestamp()-sp.StartTimestamp()) > d {
				id := sp.TraceID()
				into[hex.EncodeToString(id[:])] = true
			}
		}
	}
}

// TestLatencyFaultPagesOnce: payment's own work slows down (nothing fails
// there; some of checkout's calls to it time out). Its callers alert
// first, payment last: one page, rooted at payment, whose evidence says
// latency originates there, with a slow trace as its exemplar.
func TestLatencyFaultPagesOnce(t *testing.T) {
	services := map[string][]string{"frontend": {"checkout", "cart"}, "checkout": {"payment"}, "cart": nil, "payment": nil}
	g := topology.New(topology.Config{})
	g.AddStatic(services)
	start := t0.Add(10 * time.Minute)
	s := &alertscenario.Scenario{
		Topology: &alertscenario.Topology{Name: "chain", Services: services, Entry: []string{"frontend"}},
		Faults:   []alertscenario.Fault{{Root: "payment", From: start, To: start.Add(5 * time.Minute), Kind: alertscenario.FaultLatency}},
	}
	s.Topology.Databases, s.Topology.Brokers = map[string]string{}, map[string]bool{}
	ts := alertscenario.NewTraceStream(s, 20, 0.5, 0.6, 7)
	e, tr := tracedEngine(g)

	alerts := map[time.Duration]string{30 * time.Second: "checkout", 40 * time.Second: "frontend", 50 * time.Second: "payment"}
	slow := map[string]bool{}
	var opened []Snapshot
	var last Snapshot
	for at := t0; at.Before(start.Add(3 * time.Minute)); at = at.Add(time.Second) {
		if at.Sub(t0)%(2*time.Second) == 0 {
			td := ts.Tick(at)
			slowTraces(td, "payment", 300*time.Millisecond, slow)
			tr.Observe(td, at)
		}
		if svc, ok := alerts[at.Sub(start)]; ok {
			e.Ingest(firing(svc, "HighLatency", at), at)
		}
		for _, ev := range e.Advance(at) {
			if ev.State == alertconv.IncidentOpen {
				opened = append(opened, ev.Incident)
			}
			last = ev.Incident
		}
	}
	t.Log(last.Evidence)
	require.Len(t, opened, 1, "one page")
	assert.Equal(t, "payment", last.RootService)
	assert.ElementsMatch(t, []string{"checkout", "frontend"}, last.Symptoms)
	assert.Contains(t, last.Evidence, "latency originates in payment: ")
	assert.Contains(t, last.Evidence, "2 of 2 alerting services' slowness passes through payment")
	assert.True(t, slow[last.ExemplarTraceID], "exemplar %q is a trace where payment was slow", last.ExemplarTraceID)
	for _, svc := range []string{"checkout", "frontend"} {
		assert.False(t, tr.Slow(svc, start.Add(3*time.Minute)).Anomalous, "%s is slow only through payment", svc)
	}
}
