package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// chainGraph is frontend -> checkout -> payment.
func chainGraph() *topology.Graph {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"frontend": {"checkout"}, "checkout": {"payment"}})
	return g
}

// observe feeds a minute of traffic ending at end: calls down chain,
// failing where fail says.
func observe(tr *evidence.Tracker, chain []string, end time.Time, offset uint64, fail func(uint64) bool) {
	for i := range 60 {
		at := end.Add(time.Duration(i-60) * time.Second)
		tr.Observe(alertscenario.ChainTraces(chain, 2, offset+uint64(2*i), at, fail), at)
	}
}

// TestOwnCauseStaysApart: errors originating in checkout while its calls
// to payment succeed make checkout's alert a cause of its own, not a
// symptom of payment's concurrent alert; where checkout's calls to payment
// fail as often, the same origin does not split it off (those calls could
// account for every one of them); where checkout fails more often than
// its calls do, it is a cause of its own again.
func TestOwnCauseStaysApart(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	always := func(uint64) bool { return true }
	for _, tt := range []struct {
		name         string
		checkoutFail func(uint64) bool
		paymentFail  func(uint64) bool
		sameInc      bool
	}{
		{"checkout fails on its own", odd, nil, false},
		{"checkout's calls to payment fail as often", odd, odd, true},
		{"checkout fails more often than its calls", always, odd, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, tr := tracedEngine(chainGraph())
			now := t0.Add(10 * time.Minute)
			// Healthy baselines, then a minute where checkout's own spans
			// fail (requests ending there) and, in the second case, its
			// calls to payment fail as well.
			observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"frontend", "checkout"}, now, 1000, tt.checkoutFail)
			observe(tr, []string{"checkout", "payment"}, now, 2000, tt.paymentFail)

			pay := e.Ingest(firing("payment", "Errors", now), now)
			co := e.Ingest(firing("checkout", "Errors", now.Add(time.Second)), now.Add(time.Second))
			assert.Equal(t, tt.sameInc, pay.IncidentID == co.IncidentID)
		})
	}
}

// TestOwnRootNotTakenOver: an alert on ledger, a dependency of payment,
// takes over payment's incident as its deeper root without traces; with
// traces showing errors originating in payment beyond its failing calls
// (it calls ledger without failures), the two stay apart.
func TestOwnRootNotTakenOver(t *testing.T) {
	g := ledgerGraph()
	for _, traces := range []bool{false, true} {
		cfg := testConfig()
		now := t0.Add(10 * time.Minute)
		if traces {
			tr := evidence.New(evidence.Config{})
			observe(tr, []string{"checkout", "payment", "ledger"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"checkout", "payment"}, now, 1000, func(k uint64) bool { return k%2 == 1 })
			observe(tr, []string{"payment", "ledger"}, now, 2000, nil)
			cfg.Evidence = tr
		}
		e := New(cfg, g)
		pay := e.Ingest(firing("payment", "Errors", now), now)
		led := e.Ingest(firing("ledger", "Latency", now.Add(time.Second)), now.Add(time.Second))
		assert.Equal(t, !traces, pay.IncidentID == led.IncidentID, "traces=%v", traces)
	}
}

// TestSymptomReadAgain: checkout's alert joins payment's incident as a
// symptom while the traces show nothing of its own yet; once they show
// errors originating in checkout beyond its failing calls, it leaves for
// an incident of its own.
func TestSymptomReadAgain(t *testing.T) {
	symptomReadAgain(t, false)
}

// symptomReadAgain is TestSymptomReadAgain, with a restart after
// checkout's join when restart is set (the evidence kept: see
// TestFreshCauseWaitSurvivesRestore).
func symptomReadAgain(t *testing.T, restart bool) {
	tr := evidence.New(evidence.Config{})
	cfg := testConfig()
	cfg.Evidence = tr
	e := New(cfg, chainGraph())
	now := t0.Add(10 * time.Minute)
	odd := func(k uint64) bool { return k%2 == 1 }
	observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"checkout", "payment"}, now, 2000, odd)
	pay := e.Ingest(firing("payment", "Errors", now), now)
	co := e.Ingest(firing("checkout", "Errors", now.Add(time.Second)), now.Add(time.Second))
	require.Equal(t, pay.IncidentID, co.IncidentID)
	e.Advance(now.Add(2 * time.Second))
	require.Equal(t, pay.IncidentID, e.IncidentOf(firing("checkout", "Errors", now).Fingerprint), "nothing new in the traces")
	if restart {
		e = restarted(t, e, cfg, chainGraph())
	}

	// The next 30 s: checkout's own requests fail, every one of them.
	later := now.Add(30 * time.Second)
	for i := range 30 {
		at := now.Add(time.Duration(i+1) * time.Second)
		tr.Observe(alertscenario.ChainTraces([]string{"frontend", "checkout"}, 2, uint64(5000+2*i), at, func(uint64) bool { return true }), at)
		tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, uint64(7000+2*i), at, odd), at)
	}
	e.Advance(later)
	coInc := e.IncidentOf(firing("checkout", "Errors", now).Fingerprint)
	assert.NotEqual(t, pay.IncidentID, coInc)
	assert.NotEmpty(t, coInc)
	assert.Equal(t, uint64(1), e.Stats().EvidenceDetached)
}

// The queue of symptoms read again is bounded: past maxRechecks the oldest
// goes, and each one dropped is counted.
func TestRecheckQueueBoundCounted(t *testing.T) {
	e, tr := tracedEngine(chainGraph())
	now := t0.Add(10 * time.Minute)
	observe(tr, []string{"frontend", "checkout", "payment"}, now, 0, nil)
	e.now = now
	require.True(t, e.spansPresent())
	st := &alertState{}
	for range maxRechecks + 3 {
		e.noteSymptom(st, now)
	}
	assert.Len(t, e.rechecks, maxRechecks)
	assert.Equal(t, uint64(3), e.Stats().OverflowRechecks)
}

// TestOriginGathersAttributedAlerts: checkout's and frontend's alerts open
// first and join the incident of an alert on shipping, which checkout also
// calls. payment's alert opens later; no graph relation brings it to that
// incident (its root is shipping). When the traces show errors
// originating in payment and failing calls leading from checkout and
// frontend down to it, their alerts move to payment's incident; shipping's,
// whose calls do not fail, stays where it was.
func TestOriginGathersAttributedAlerts(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"frontend": {"checkout"}, "checkout": {"payment", "shipping"}})
	for _, traces := range []bool{false, true} {
		cfg := testConfig()
		now := t0.Add(10 * time.Minute)
		if traces {
			tr := evidence.New(evidence.Config{})
			observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"frontend", "checkout", "shipping"}, now.Add(-time.Minute), 1000, nil)
			observe(tr, []string{"frontend", "checkout", "payment"}, now, 2000, func(k uint64) bool { return k%2 == 1 })
			observe(tr, []string{"frontend", "checkout", "shipping"}, now, 3000, nil)
			cfg.Evidence = tr
		}
		e := New(cfg, g)
		ship := e.Ingest(firing("shipping", "Latency", now.Add(-40*time.Second)), now.Add(-40*time.Second))
		co := e.Ingest(firing("checkout", "Errors", now.Add(-30*time.Second)), now.Add(-30*time.Second))
		fe := e.Ingest(firing("frontend", "Errors", now.Add(-30*time.Second)), now.Add(-30*time.Second))
		require.Equal(t, ship.IncidentID, co.IncidentID)
		require.Equal(t, ship.IncidentID, fe.IncidentID)
		pay := e.Ingest(firing("payment", "Errors", now), now)
		e.Advance(now.Add(time.Second))
		incOf := func(svc, rule string) string { return e.IncidentOf(firing(svc, rule, now).Fingerprint) }
		assert.Equal(t, traces, incOf("checkout", "Errors") == pay.IncidentID, "traces=%v", traces)
		assert.Equal(t, traces, incOf("frontend", "Errors") == pay.IncidentID, "traces=%v", traces)
		assert.Equal(t, ship.IncidentID, incOf("shipping", "Latency"), "traces=%v", traces)
		if traces {
			assert.Equal(t, uint64(2), e.Stats().EvidenceMoved)
		}
	}
}

// TestOriginLeavesOlderAlerts: an alert that opened more than OnsetWindow
// before the origin's alert is not gathered (it was there before the
// fault: another incident's, or noise), though its calls fail now.
func TestOriginLeavesOlderAlerts(t *testing.T) {
	tr := evidence.New(evidence.Config{})
	cfg := testConfig()
	cfg.OnsetWindow = 2 * time.Minute
	cfg.Evidence = tr
	e := New(cfg, chainGraph())
	now := t0.Add(10 * time.Minute)
	observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"frontend", "checkout", "payment"}, now, 2000, func(k uint64) bool { return k%2 == 1 })
	old := e.Ingest(firing("checkout", "Errors", now.Add(-5*time.Minute)), now.Add(-5*time.Minute))
	recent := e.Ingest(firing("frontend", "Errors", now.Add(-time.Minute)), now.Add(-time.Minute))
	require.NotEqual(t, old.IncidentID, recent.IncidentID)
	pay := e.Ingest(firing("payment", "Errors", now), now)
	e.Advance(now.Add(time.Second))
	assert.Equal(t, old.IncidentID, e.IncidentOf(firing("checkout", "Errors", now).Fingerprint))
	assert.Equal(t, pay.IncidentID, e.IncidentOf(firing("frontend", "Errors", now).Fingerprint))
}

// TestIndependentOriginsSplit: ledger's alert takes over payment's incident
// as its deeper root while the traces show nothing yet (too few spans to
// read it quiet). When they show
// errors originating in both, and payment's calls to ledger do not fail,
// the two are independent causes: the incident splits.
func TestIndependentOriginsSplit(t *testing.T) {
	g := ledgerGraph()
	e, tr := tracedEngine(g)
	now := t0.Add(10 * time.Minute)
	observe(tr, []string{"checkout", "payment"}, now, 0, nil)
	tr.Observe(alertscenario.ChainTraces([]string{"payment", "ledger"}, 2, 3000, now, nil), now)
	pay := e.Ingest(firing("payment", "Errors", now), now)
	led := e.Ingest(firing("ledger", "Errors", now.Add(time.Second)), now.Add(time.Second))
	require.Equal(t, pay.IncidentID, led.IncidentID)
	e.Advance(now.Add(2 * time.Second))

	// The next 30 s: payment's own requests fail half the time, its calls
	// to ledger never; ledger fails on requests of its own.
	odd := func(k uint64) bool { return k%2 == 1 }
	for i := range 30 {
		at := now.Add(time.Duration(i+2) * time.Second)
		tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, uint64(5000+2*i), at, odd), at)
		tr.Observe(alertscenario.ChainTraces([]string{"payment", "ledger"}, 2, uint64(7000+2*i), at, nil), at)
		tr.Observe(alertscenario.ChainTraces([]string{"ledger"}, 2, uint64(9000+2*i), at, odd), at)
		e.Advance(at)
	}
	payInc := e.IncidentOf(firing("payment", "Errors", now).Fingerprint)
	ledInc := e.IncidentOf(firing("ledger", "Errors", now).Fingerprint)
	assert.NotEmpty(t, payInc)
	assert.NotEmpty(t, ledInc)
	assert.NotEqual(t, payInc, ledInc)
}

// TestOriginTakesAGatewaysLaterAlert: gateway calls payment and shipping.
// Errors originate in payment; gateway's first alert joins payment's
// incident. Later errors originate in shipping too, and a second alert
// on gateway opens after shipping's: it moves to shipping's incident
// (its calls fail toward shipping, and it started with the new fault),
// while gateway's first alert stays with payment.
func TestOriginTakesAGatewaysLaterAlert(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"gateway": {"payment", "shipping"}})
	odd := func(k uint64) bool { return k%2 == 1 }
	e, tr := tracedEngine(g)
	now := t0.Add(10 * time.Minute)
	observe(tr, []string{"gateway", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"gateway", "shipping"}, now.Add(-time.Minute), 1000, nil)
	observe(tr, []string{"gateway", "payment"}, now, 2000, odd)
	observe(tr, []string{"gateway", "shipping"}, now, 3000, odd)

	pay := e.Ingest(firing("payment", "Errors", now.Add(-50*time.Second)), now.Add(-50*time.Second))
	first := e.Ingest(firing("gateway", "Errors", now.Add(-45*time.Second)), now.Add(-45*time.Second))
	require.Equal(t, pay.IncidentID, first.IncidentID)
	ship := e.Ingest(firing("shipping", "Errors", now), now)
	require.NotEqual(t, pay.IncidentID, ship.IncidentID)
	later := e.Ingest(firing("gateway", "Latency", now.Add(10*time.Second)), now.Add(10*time.Second))
	require.Equal(t, pay.IncidentID, later.IncidentID, "same service: joins payment's incident at first")
	e.Advance(now.Add(11 * time.Second))

	incOf := func(svc, rule string) string { return e.IncidentOf(firing(svc, rule, now).Fingerprint) }
	assert.Equal(t, ship.IncidentID, incOf("gateway", "Latency"))
	assert.Equal(t, pay.IncidentID, incOf("gateway", "Errors"))
	assert.Equal(t, pay.IncidentID, incOf("payment", "Errors"))
}

// TestQuietPairStaysApart: checkout's alert joins payment's incident as a
// symptom without traces, and with traces showing payment's spans failing;
// with traces showing both services well observed and nothing failing in
// or between them (a maintenance window) while they show a fault
// elsewhere in the storm (so they speak: informative.go), nothing says
// checkout's trouble comes from payment, and checkout's alert opens an
// incident of its own.
// The other way round, payment's quiet alert does not take over
// checkout's incident as its deeper root either (gate.go).
func TestQuietPairStaysApart(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name         string
		traces       bool
		paymentFail  func(uint64) bool
		paymentFirst bool
		sameInc      bool
	}{
		{"no traces", false, nil, true, true},
		{"traces, payment failing", true, odd, true, true},
		{"traces, both quiet", true, nil, true, false},
		{"traces, both quiet, payment second", true, nil, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			now := t0.Add(10 * time.Minute)
			if tt.traces {
				tr := evidence.New(evidence.Config{})
				observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
				observe(tr, []string{"frontend", "checkout", "payment"}, now, 1000, tt.paymentFail)
				cfg.Evidence = tr
			}
			e := New(cfg, chainGraph())
			if !tt.sameInc {
				originElsewhere(e, cfg.Evidence, now)
			}
			first, second := "payment", "checkout"
			if !tt.paymentFirst {
				first, second = second, first
			}
			a := e.Ingest(firing(first, "TargetDown", now), now)
			b := e.Ingest(firing(second, "TargetDown", now.Add(time.Second)), now.Add(time.Second))
			assert.Equal(t, tt.sameInc, a.IncidentID == b.IncidentID)
		})
	}
}

// TestSlowPairIsNotQuiet: a latency fault fails nothing. Payment turns
// slow (its spans and so its callers' take 50 times longer), no span
// fails: neither service is quiet, so checkout's alert joins payment's
// incident as a symptom, as without traces. (Read as quiet on failures
// alone, the two stayed apart: one page per service of a latency fault.)
func TestSlowPairIsNotQuiet(t *testing.T) {
	cfg := testConfig()
	now := t0.Add(10 * time.Minute)
	tr := evidence.New(evidence.Config{})
	chain := []string{"frontend", "checkout", "payment"}
	observe(tr, chain, now.Add(-2*time.Minute), 0, nil)
	for i := range 60 {
		at := now.Add(time.Duration(i-60) * time.Second)
		td := alertscenario.ChainTraces(chain, 2, 1000+uint64(2*i), at, nil)
		stretch(td, 500*time.Millisecond)
		tr.Observe(td, at)
	}
	require.False(t, tr.Quiet("payment", now), "a slow service is not quiet")
	cfg.Evidence = tr
	e := New(cfg, chainGraph())
	a := e.Ingest(firing("payment", "TargetDown", now), now)
	b := e.Ingest(firing("checkout", "TargetDown", now.Add(time.Second)), now.Add(time.Second))
	assert.Equal(t, a.IncidentID, b.IncidentID)
}

// stretch starts every span of td d earlier: a slow callee holds its
// callers as long.
func stretch(td ptrace.Traces, d time.Duration) {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				sp := spans.At(k)
				sp.SetStartTimestamp(pcommon.NewTimestampFromTime(sp.StartTimestamp().AsTime().Add(-d)))
			}
		}
	}
}

// TestTiedCandidatesFollowFailingCalls: a gateway calling two services
// that alert independently relates to both incidents alike (one hop
// each); it joins the one its failing calls reach, not the one that was
// active last.
func TestTiedCandidatesFollowFailingCalls(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"gateway": {"orders", "search"}})
	e, tr := tracedEngine(g)
	now := t0.Add(10 * time.Minute)
	odd := func(k uint64) bool { return k%2 == 1 }
	observe(tr, []string{"gateway", "orders"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"gateway", "search"}, now.Add(-time.Minute), 500, nil)
	observe(tr, []string{"gateway", "orders"}, now, 1000, odd)
	observe(tr, []string{"gateway", "search"}, now, 2000, nil)

	orders := e.Ingest(firing("orders", "Errors", now), now)
	search := e.Ingest(firing("search", "Errors", now.Add(time.Second)), now.Add(time.Second))
	require.NotEqual(t, orders.IncidentID, search.IncidentID)
	gw := e.Ingest(firing("gateway", "Errors", now.Add(2*time.Second)), now.Add(2*time.Second))
	assert.Equal(t, orders.IncidentID, gw.IncidentID, "the gateway's failing calls reach orders")
}

// tracedEngine is an engine of testConfig over g reading a fresh trace
// evidence tracker.
func tracedEngine(g *topology.Graph) (*Engine, *evidence.Tracker) {
	tr := evidence.New(evidence.Config{})
	cfg := testConfig()
	cfg.Evidence = tr
	return New(cfg, g), tr
}
