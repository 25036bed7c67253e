package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// originElsewhere feeds a minute of healthy spans of "search" (a service
// of none of the test graphs) ending a minute before end, then a minute in
// which half of its requests fail on their own, and ingests its alert at
// end: a fault the spans show, in the same storm as the test's alerts, so
// that the spans speak (informative.go) and the rules that read them
// apply to the test's alerts, whatever their own services' spans say.
func originElsewhere(e *Engine, tr *evidence.Tracker, end time.Time) {
	observe(tr, []string{"search"}, end.Add(-time.Minute), 70000, nil)
	observe(tr, []string{"search"}, end, 80000, func(k uint64) bool { return k%2 == 1 })
	e.Ingest(firing("search", "Errors", end), end)
}

// TestHealthySpansDecideAsAlertsOnly: traces that show every service well
// observed and healthy while payment and its dependency ledger alert (a
// load generator's traffic decoupled from the alerts, alerts on what the
// spans do not measure) say nothing of either alert: ledger's alert takes
// over payment's incident as its deeper root, and checkout's joins it as
// payment's symptom, as without traces. With a fault the spans show in
// the same storm (errors originating in search), the spans speak: nothing
// says checkout's trouble comes from quiet payment, nor payment's from
// quiet ledger, and each opens an incident of its own (match.go's quiet
// pair, gate.go).
func TestHealthySpansDecideAsAlertsOnly(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"checkout": {"payment"}, "payment": {"ledger"}})
	for _, tt := range []struct {
		name      string
		traces    bool
		elsewhere bool
		apart     bool
	}{
		{"no traces", false, false, false},
		{"healthy traces", true, false, false},
		{"healthy traces, a fault the spans show elsewhere", true, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			now := t0.Add(10 * time.Minute)
			var tr *evidence.Tracker
			if tt.traces {
				tr = evidence.New(evidence.Config{})
				observe(tr, []string{"checkout", "payment", "ledger"}, now.Add(-time.Minute), 0, nil)
				observe(tr, []string{"checkout", "payment", "ledger"}, now, 1000, nil)
				cfg.Evidence = tr
			}
			e := New(cfg, g)
			if tt.elsewhere {
				originElsewhere(e, tr, now)
			}
			pay := e.Ingest(firing("payment", "Errors", now), now)
			co := e.Ingest(firing("checkout", "Errors", now.Add(time.Second)), now.Add(time.Second))
			led := e.Ingest(firing("ledger", "DiskFilling", now.Add(2*time.Second)), now.Add(2*time.Second))
			assert.Equal(t, tt.apart, pay.IncidentID != co.IncidentID)
			assert.Equal(t, tt.apart, pay.IncidentID != led.IncidentID)
			e.Advance(now.Add(3 * time.Second))
			incOf := func(svc, rule string) string { return e.IncidentOf(firing(svc, rule, now).Fingerprint) }
			assert.Equal(t, tt.apart, incOf("payment", "Errors") != incOf("ledger", "DiskFilling"))
		})
	}
}

// TestSpansSpeakOfADependency: errors originating in payment, which
// alerts not, speak of checkout's alert (payment is its direct
// dependency: an unalerting root, an uninstrumented store); errors
// originating in frontend, checkout's caller, do not (the alerting
// services and their dependencies are where a fault behind the alerts
// shows). Healthy spans speak of nothing; without alerts nothing is read.
func TestSpansSpeakOfADependency(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name    string
		failing string
		speak   bool
	}{
		{"healthy", "", false},
		{"errors originate in the dependency", "payment", true},
		{"errors originate in the alerting service", "checkout", true},
		{"errors originate in a caller", "frontend", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, tr := tracedEngine(chainGraph())
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"frontend", "checkout", "payment"}, now, 1000, nil)
			if tt.failing != "" {
				observe(tr, []string{tt.failing}, now, 5000, odd)
			}
			e.Advance(now)
			require.True(t, e.spansPresent())
			assert.False(t, e.tracesActive(), "no alert yet")
			e.Ingest(firing("checkout", "Errors", now), now)
			assert.Equal(t, tt.speak, e.tracesActive())
		})
	}
}

// TestSpansCoupledThroughTheNextStorm: payment's alert comes while errors
// originate in payment, so the spans are coupled to the alerts. The next
// storm's alert, on checkout, comes while the spans show nothing: they
// still speak (they showed the last storm's fault; a quiet service is
// evidence). That storm's alerts they never showed, so in the third
// storm (frontend's alert) healthy spans say nothing again.
func TestSpansCoupledThroughTheNextStorm(t *testing.T) {
	e, tr := tracedEngine(chainGraph())
	chain := []string{"frontend", "checkout", "payment"}
	storm := func(at time.Time, svc string, fail func(uint64) bool) bool {
		observe(tr, chain, at.Add(-time.Minute), uint64(at.Unix()), nil)
		observe(tr, []string{svc}, at, uint64(at.Unix())+500, fail)
		e.Ingest(firing(svc, "Errors", at), at)
		speak := e.tracesActive()
		e.Ingest(resolved(svc, "Errors", at.Add(time.Second)), at.Add(time.Second))
		for i := range 5 {
			e.Advance(at.Add(time.Duration(i+1) * time.Minute))
		}
		require.Empty(t, e.byService, "the storm is over")
		return speak
	}
	now := t0.Add(10 * time.Minute)
	assert.True(t, storm(now, "payment", func(k uint64) bool { return k%2 == 1 }), "errors originate in payment")
	assert.True(t, storm(now.Add(10*time.Minute), "checkout", nil), "coupled by the last storm")
	assert.False(t, storm(now.Add(20*time.Minute), "frontend", nil), "the last storm showed nothing")
}

// TestBackgroundErrorsDoNotSpeak: checkout alerts while every span is
// healthy. In the minute that follows, its thin dependency payment (one
// request every two seconds), whose spans fail now and then on their own
// as every service's do, shows four of them together within its newest
// buckets: an anomaly of payment's own (Origin), but no evidence that the
// spans speak of checkout's alert (the verdict reads every alerting
// service and its dependencies every second, and some thin one among
// hundreds shows that much by chance). Half of the same thin service's
// requests failing is a fault, and speaks.
func TestBackgroundErrorsDoNotSpeak(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fail  func(k uint64) bool
		speak bool
	}{
		{"four background errors", func(k uint64) bool { return k >= 26 }, false},
		{"half its requests fail", func(k uint64) bool { return k%2 == 1 }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, tr := tracedEngine(chainGraph())
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"frontend", "checkout", "payment"}, now, 0, nil)
			e.Ingest(firing("checkout", "Errors", now), now)
			require.False(t, e.tracesActive(), "placed while nothing originates")
			// The next minute: checkout busy, payment thin.
			end := now.Add(time.Minute)
			observe(tr, []string{"frontend", "checkout"}, end, 1000, nil)
			for i := range 30 {
				at := end.Add(time.Duration(2*i-58) * time.Second)
				k := uint64(i)
				tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 1, 5000+k, at, func(uint64) bool { return tt.fail(k) }), at)
			}
			require.True(t, tr.Origin("payment", end).Anomalous, "an anomaly of payment's own")
			e.Advance(end)
			assert.Equal(t, tt.speak, e.tracesActive())
		})
	}
}

// wideGraph is chainGraph with checkout calling eleven services: payment
// and ten others.
func wideGraph() *topology.Graph {
	g := chainGraph()
	deps := []string{"payment"}
	for i := range 10 {
		deps = append(deps, fmt.Sprintf("svc-%d", i))
	}
	g.AddStatic(map[string][]string{"checkout": deps})
	return g
}

// thinMinute feeds a minute of healthy spans of frontend, checkout and
// payment ending a minute before now, then a minute of busy frontend and
// of one request every two seconds down chain (a thin service at its
// end), the k-th of the 30 failing where fail(k) says.
func thinMinute(tr *evidence.Tracker, chain []string, now time.Time, fail func(k uint64) bool) {
	observe(tr, []string{"frontend", "checkout", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"frontend"}, now, 1000, nil)
	for i := range 30 {
		at := now.Add(time.Duration(2*i-58) * time.Second)
		k := uint64(i)
		tr.Observe(alertscenario.ChainTraces(chain, 1, 5000+k, at, func(uint64) bool { return fail(k) }), at)
	}
}

// TestChanceErrorsOfADependencyDoNotCouple: checkout, calling eleven
// services, alerts while its thin dependency payment (one request every
// two seconds) shows four of its spans failing together on their own, as
// every service's do now and then: an anomaly of payment's (Origin), but
// a placement reading a gateway's tens of dependencies at once finds one
// such in some of them by chance, so they are read at the storm-wide bar
// (OriginatingAmong) and the spans stay uncoupled. Half of payment's
// requests failing couples them; so do four errors of checkout's own, and
// four of payment's where checkout calls payment alone (one service's
// bar: a fault's first spans are few).
func TestChanceErrorsOfADependencyDoNotCouple(t *testing.T) {
	four := func(k uint64) bool { return k >= 26 }
	for _, tt := range []struct {
		name   string
		g      *topology.Graph
		chain  []string
		fail   func(k uint64) bool
		couple bool
	}{
		{"four background errors in one of eleven dependencies", wideGraph(), []string{"checkout", "payment"}, four, false},
		{"half that dependency's requests fail", wideGraph(), []string{"checkout", "payment"}, func(k uint64) bool { return k%2 == 1 }, true},
		{"four errors in the alerting service", wideGraph(), []string{"checkout"}, four, true},
		{"four errors in its one dependency", chainGraph(), []string{"checkout", "payment"}, four, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, tr := tracedEngine(tt.g)
			now := t0.Add(10 * time.Minute)
			thinMinute(tr, tt.chain, now, tt.fail)
			leaf := tt.chain[len(tt.chain)-1]
			require.True(t, tr.Origin(leaf, now).Anomalous, "an anomaly of %s's own", leaf)
			e.Ingest(firing("checkout", "Errors", now), now)
			assert.Equal(t, tt.couple, e.verdict.coupled)
			assert.Equal(t, tt.couple, e.tracesActive())
		})
	}
}

// TestChanceCouplingWithdrawn: checkout alerts while its one dependency,
// thin payment, shows four of its spans failing together: one service's
// bar couples the spans (a fault's first spans are few). Over the next
// forty seconds payment, busier, fails no more: the four were chance, and
// once they have left the tracker's short view the coupling is withdrawn,
// so a quiet service is no evidence again. Where half of payment's
// requests keep failing, the coupling stands.
func TestChanceCouplingWithdrawn(t *testing.T) {
	for _, tt := range []struct {
		name    string
		after   func(k uint64) bool
		coupled bool
	}{
		{"the errors do not recur", nil, false},
		{"half its requests keep failing", func(k uint64) bool { return k%2 == 1 }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, tr := tracedEngine(chainGraph())
			now := t0.Add(10 * time.Minute)
			thinMinute(tr, []string{"checkout", "payment"}, now, func(k uint64) bool { return k >= 26 })
			e.Ingest(firing("checkout", "Errors", now), now)
			require.True(t, e.tracesActive(), "four errors in its one dependency couple the spans")
			for i := range 40 {
				at := now.Add(time.Duration(i+1) * time.Second)
				tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, 9000+uint64(2*i), at, tt.after), at)
				e.Advance(at)
			}
			assert.Equal(t, tt.coupled, e.tracesActive())
			assert.Equal(t, tt.coupled, e.verdict.coupled)
		})
	}
}
