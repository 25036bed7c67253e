package correlate

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestPlacementWaitsForLaggingSpans: checkout calls payment and
// inventory; both start failing at once (5 s in), each a fault of its
// own, and alert. Checkout's calls to payment fail; checkout alerts 10 s
// in. Its own spans reach the collector lag seconds after they end (its
// exporter's queue), its neighbours' on time. On time, checkout joins payment's incident, where its failing
// calls lead. 8 s late, without waiting its spans read nothing new and
// the graph alone places it, beside the newer of two equal relations
// (inventory's); waiting, it is placed once they come, as on time, and
// nothing waits when the spans are on time or the delay passes the
// group wait; the wait survives a restart.
func TestPlacementWaitsForLaggingSpans(t *testing.T) {
	for _, tt := range []struct {
		name    string
		lag     time.Duration
		waited  bool
		restart bool // restarted while checkout waits
	}{
		{"on time", 0, false, false},
		{"8 s late", 8 * time.Second, true, false},
		{"8 s late, restarted while waiting", 8 * time.Second, true, true},
		{"late past the group wait", 40 * time.Second, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, e, start, cfg, g := spanWaitSetup()
			var got Result
			for s := 0; s <= 40; s++ {
				at := start.Add(time.Duration(s) * time.Second)
				spanWaitStep(tr, at, tt.lag, start.Add(5*time.Second))
				switch s {
				case 7:
					e.Ingest(firing("payment", "HighErrorRate", at), at)
				case 8:
					e.Ingest(firing("inventory", "HighErrorRate", at), at)
				case 10:
					got = e.Ingest(firing("checkout", "HighErrorRate", at), at)
				case 12:
					if tt.restart {
						e = restarted(t, e, cfg, g)
					}
				}
				e.Advance(at)
			}
			assert.Equal(t, tt.waited, got.Outcome == Held, "checkout's placement waited")
			checkout := e.IncidentOf(firing("checkout", "HighErrorRate", start).Fingerprint)
			require.NotEmpty(t, checkout, "checkout placed")
			payment := e.IncidentOf(firing("payment", "HighErrorRate", start).Fingerprint)
			inventory := e.IncidentOf(firing("inventory", "HighErrorRate", start).Fingerprint)
			assert.NotEqual(t, payment, inventory, "two faults, two incidents")
			if tt.lag < 30*time.Second {
				assert.Equal(t, payment, checkout, "checkout with payment, where its calls fail")
			}
			if !tt.restart {
				assert.Equal(t, uint64(b01(tt.waited)), e.Stats().SpanWaited, "waits counted")
			}
		})
	}
}

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// spanWaitSetup: a minute of healthy traffic, web calling payment and
// inventory, checkout calling both.
func spanWaitSetup() (*evidence.Tracker, *Engine, time.Time, Config, *topology.Graph) {
	start := t0.Add(10 * time.Minute)
	tr := evidence.New(evidence.Config{})
	for s := -60; s < 0; s++ {
		spanWaitStep(tr, start.Add(time.Duration(s)*time.Second), 0, time.Time{})
	}
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"web": {"payment", "inventory"}, "checkout": {"payment", "inventory"}})
	cfg := testConfig()
	cfg.Evidence = tr
	return tr, New(cfg, g), start, cfg, g
}

// spanWaitStep feeds the second at: web's calls on time, checkout's
// spans of at-lag arriving at at; from failFrom (zero: never) payment
// and inventory fail every other call.
// With sum, checkout's spans go to that summarizer instead (an observing
// collector's).
func spanWaitStep(tr *evidence.Tracker, at time.Time, lag time.Duration, failFrom time.Time, sum ...*evidence.Summarizer) {
	failAt := func(t time.Time) func(uint64) bool {
		if failFrom.IsZero() || t.Before(failFrom) {
			return nil
		}
		return func(k uint64) bool { return k%2 == 1 }
	}
	fail := failAt(at)
	k := uint64(at.Unix()%100000) * 16
	tr.Observe(alertscenario.ChainTraces([]string{"web", "payment"}, 2, k, at, fail), at)
	tr.Observe(alertscenario.ChainTraces([]string{"web", "inventory"}, 2, k+2, at, fail), at)
	sent := at.Add(-lag)
	observe := func(td ptrace.Traces) { tr.Observe(td, at) }
	if len(sum) > 0 {
		observe = func(td ptrace.Traces) { sum[0].Observe(td) }
	}
	observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, k+4, sent, failAt(sent)))
	observe(alertscenario.ChainTraces([]string{"checkout", "inventory"}, 2, k+6, sent, nil))
}

// TestShutdownFlushPagesAlertsWaitingForSpans: checkout's alert waits
// for its late spans (as in TestPlacementWaitsForLaggingSpans) when the
// collector stops with no saved state to carry it over: the shutdown
// flush places it and pages the incident that holds it, rather than
// dropping it with the queue.
func TestShutdownFlushPagesAlertsWaitingForSpans(t *testing.T) {
	tr, e, start, _, _ := spanWaitSetup()
	var got Result
	for s := 0; s <= 11; s++ {
		at := start.Add(time.Duration(s) * time.Second)
		spanWaitStep(tr, at, 8*time.Second, start.Add(5*time.Second))
		switch s {
		case 7:
			e.Ingest(firing("payment", "HighErrorRate", at), at)
		case 8:
			e.Ingest(firing("inventory", "HighErrorRate", at), at)
		case 10:
			got = e.Ingest(firing("checkout", "HighErrorRate", at), at)
		}
		e.Advance(at)
	}
	require.Equal(t, Held, got.Outcome, "checkout's placement waits")
	fp := firing("checkout", "HighErrorRate", start).Fingerprint
	require.Empty(t, e.IncidentOf(fp), "still waiting")
	events := e.Flush(start.Add(12*time.Second), false)
	id := e.IncidentOf(fp)
	require.NotEmpty(t, id, "placed by the flush")
	var paged bool
	for _, ev := range events {
		paged = paged || ev.Incident.ID == id && slices.Contains(ev.Incident.Services, "checkout")
	}
	assert.True(t, paged, "the flush pages checkout's incident with checkout in it")
}

// TestPlacementWaitsForTheSummaryOfItsOnset: as
// TestPlacementWaitsForLaggingSpans, but checkout's spans reach the
// correlator only in an observing collector's summaries, every 10 s (the
// scaled deployment), their intervals ending 3 s into each ten. Its
// alert at 10 s reads the summary that ended at 3 s, before its calls to
// payment failed. Summaries whose interval is measured (MergeInterval)
// make its service lag: it waits for the summary ending at 13 s, which
// holds its onset, and joins payment's incident. Merged as on time
// (Merge, as before), it is placed at once beside inventory's.
func TestPlacementWaitsForTheSummaryOfItsOnset(t *testing.T) {
	start := t0.Add(10 * time.Minute)
	tr := evidence.New(evidence.Config{})
	sum := evidence.NewSummarizer(evidence.SummarizerConfig{MaxServices: 100, MaxEdges: 100, MaxExemplars: 3})
	since := start.Add(-63 * time.Second)
	step := func(at time.Time, failFrom time.Time) {
		spanWaitStep(tr, at, 0, failFrom, sum)
		if (at.Sub(start)%(10*time.Second)+10*time.Second)%(10*time.Second) == 3*time.Second {
			c, _ := sum.Take()
			tr.MergeInterval(c, since, at)
			since = at
		}
	}
	for s := -60; s < 0; s++ {
		step(start.Add(time.Duration(s)*time.Second), time.Time{})
	}
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"web": {"payment", "inventory"}, "checkout": {"payment", "inventory"}})
	cfg := testConfig()
	cfg.Evidence = tr
	e := New(cfg, g)
	var got Result
	for s := 0; s <= 30; s++ {
		at := start.Add(time.Duration(s) * time.Second)
		step(at, start.Add(5*time.Second))
		switch s {
		case 7:
			e.Ingest(firing("payment", "HighErrorRate", at), at)
		case 8:
			e.Ingest(firing("inventory", "HighErrorRate", at), at)
		case 10:
			got = e.Ingest(firing("checkout", "HighErrorRate", at), at)
			assert.True(t, tr.Lag("checkout") > lateLag, "summaries every 10 s: checkout lags %v", tr.Lag("checkout"))
		case 12:
			assert.Empty(t, e.IncidentOf(firing("checkout", "HighErrorRate", start).Fingerprint), "waiting at 12 s")
		}
		e.Advance(at)
	}
	assert.Equal(t, Held, got.Outcome, "checkout's placement waited")
	checkout := e.IncidentOf(firing("checkout", "HighErrorRate", start).Fingerprint)
	payment := e.IncidentOf(firing("payment", "HighErrorRate", start).Fingerprint)
	inventory := e.IncidentOf(firing("inventory", "HighErrorRate", start).Fingerprint)
	assert.NotEqual(t, payment, inventory, "two faults, two incidents")
	assert.Equal(t, payment, checkout, "checkout with payment, where its calls fail")
	assert.Equal(t, uint64(1), e.Stats().SpanWaited)
}
