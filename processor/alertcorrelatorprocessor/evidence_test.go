package alertcorrelatorprocessor

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
)

// checkoutTrace is one frontend -> checkout -> payment request; when fail
// is set, payment's span fails and the failure travels up.
func checkoutTrace(n uint64, fail bool) ptrace.Traces {
	return alertscenario.ChainTraces([]string{"frontend", "checkout", "payment"}, 1, n, t0,
		func(uint64) bool { return fail })
}

func TestEvidenceNamesPaymentWithAnExemplar(t *testing.T) {
	cfg := testCfg()
	cfg.Correlation.GroupWait = 30 * time.Second
	h := newHarness(t, cfg)
	h.start(t, componenttest.NewNopHost())
	defer h.stop(t)

	// Five healthy minutes, then payment fails half of its requests; the
	// callers alert first (retrying clients), payment last.
	var n uint64
	for at := time.Duration(0); at < 6*time.Minute; at += time.Second {
		n++
		h.clock.Set(t0.Add(at))
		_, err := h.core.observeTraces(context.Background(), checkoutTrace(n, at >= 5*time.Minute && n%2 == 0))
		require.NoError(t, err)
	}
	r := pagePaymentErrors(t, h)
	assert.Equal(t, alertconv.IncidentOpen, r.attrs[alertconv.AttrIncidentState])
	assert.Equal(t, []any{"checkout", "frontend"}, r.attrs[alertconv.AttrIncidentSymptoms])
	ex, _ := r.attrs[alertconv.AttrIncidentExemplarTraceID].(string)
	raw, err := hex.DecodeString(ex)
	require.NoError(t, err)
	require.Len(t, raw, 16)
	// The exemplar is one of the failing traces (trace n ends in n+1).
	assert.Zero(t, (binary.BigEndian.Uint64(raw[8:])-1)%2)
	assert.Contains(t, r.body, "Why: errors originate in payment")
	assert.Contains(t, r.body, "Exemplar trace: "+ex)
}

// pagePaymentErrors sends the alerts of payment failing (half of its
// requests, from the sixth minute on): its callers alert first (retrying
// clients), payment 5 s later. It returns the one page, checked to be
// rooted at payment with the evidence that errors originate there.
func pagePaymentErrors(t *testing.T, h *harness) incidentRecord {
	t.Helper()
	h.sendAt(t, 6*time.Minute,
		alertSpec{service: "frontend", rule: "HighErrorRate", severity: "critical"},
		alertSpec{service: "checkout", rule: "HighErrorRate", severity: "critical"})
	h.sendAt(t, 6*time.Minute+5*time.Second, alertSpec{service: "payment", rule: "HighErrorRate", severity: "critical"})
	h.tickAt(6*time.Minute + 40*time.Second)

	recs := incidents(t, h.lsink)
	require.Len(t, recs, 1, "one page")
	r := recs[0]
	assert.Equal(t, "payment", r.attrs[alertconv.AttrIncidentRootService])
	why, _ := r.attrs[alertconv.AttrIncidentEvidence].(string)
	assert.Contains(t, why, "errors originate in payment: ")
	assert.Contains(t, why, "2 of 2 alerting services' errors pass through payment")
	return r
}

func TestEvidenceOffWithoutWindow(t *testing.T) {
	cfg := testCfg()
	cfg.Correlation.EvidenceWindow = 0
	h := newHarness(t, cfg)
	assert.Nil(t, h.core.evidence)
}

func TestSummaryLine(t *testing.T) {
	h, logs := startSummaryHarness(t)

	td := ptrace.NewTraces()
	spanPair(td, 1, 10, "checkout", "payment")
	require.NoError(t, h.traces.ConsumeTraces(context.Background(), td))
	h.tickAt(0) // the interval starts
	h.sendAt(t, time.Second, alertSpec{service: "payment", rule: "Down", severity: "critical"})
	h.sendAt(t, 2*time.Second,
		alertSpec{service: "payment", rule: "Down", severity: "critical"}, // repeat
		alertSpec{service: "checkout", rule: "HighErrorRate", severity: "warning"})
	h.tickAt(30 * time.Second)
	assert.Zero(t, logs.FilterMessageSnippet("alert_correlator: ").Len(), "not before the interval")
	h.tickAt(time.Minute)
	got := logs.FilterMessageSnippet("alert_correlator: ").All()
	require.Len(t, got, 1)
	assert.Equal(t, "alert_correlator: 3 alerts in 1m0s (deduplicated 1); 1 incidents open, 1 pages, 1 symptoms suppressed", got[0].Message)

	h.clock.Set(t0.Add(90 * time.Second))
	h.stop(t)
	got = logs.FilterMessageSnippet("alert_correlator: ").All()
	require.Len(t, got, 2, "once more at shutdown")
	assert.Equal(t, "alert_correlator: 3 alerts in 1m30s (deduplicated 1); 1 incidents open, 1 pages, 1 symptoms suppressed (totals since start)", got[1].Message)
}

// TestObserveTracesConcurrently: requests observed at once (the receiver's
// goroutines) share the learner's walk and the recycled evidence batches
// without losing or mixing spans: the graph and the counts are those of
// the same requests one after the other. Run with -race.
func TestObserveTracesConcurrently(t *testing.T) {
	const workers, perWorker = 4, 50
	batch := func(w, i int) ptrace.Traces {
		n := uint64(w*perWorker + i)
		return alertscenario.ChainTraces([]string{"frontend", "checkout", "payment"}, 3, 3*n, t0,
			func(k uint64) bool { return k%4 == 0 })
	}
	observe := func(h *harness, w, i int) {
		_, err := h.core.observeTraces(context.Background(), batch(w, i))
		assert.NoError(t, err)
	}
	seq := newHarness(t, testCfg())
	for w := range workers {
		for i := range perWorker {
			observe(seq, w, i)
		}
	}
	par := newHarness(t, testCfg())
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				observe(par, w, i)
			}
		})
	}
	wg.Wait()
	want, got := seq.core.evidence.Stats(), par.core.evidence.Stats()
	assert.Equal(t, uint64(workers*perWorker*3*5), got.Spans) // 3 requests of 5 spans a batch
	assert.Equal(t, want, got)
	assert.Equal(t, seq.core.graph.Snapshot().Edges, par.core.graph.Snapshot().Edges)
	for _, svc := range []string{"frontend", "checkout", "payment"} {
		// The exemplar is the last originating trace: whichever came last.
		w, g := seq.core.evidence.Origin(svc, t0), par.core.evidence.Origin(svc, t0)
		assert.Equal(t, w.Exemplar == "", g.Exemplar == "", svc)
		w.Exemplar, g.Exemplar = "", ""
		assert.Equal(t, w, g, svc)
	}
}
