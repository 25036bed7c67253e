package correlate

import (
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// TestLaterAlertJoinsItsServicesIncident: without spans, db fails and its
// caller api alerts as its symptom. One failure trips each service's rules
// minutes apart: db's error-budget burn 20 s after its first alert, its
// saturation alert 3 min after (past the 2 min onset window), api's
// latency alert 4 min after its first. Each joins the open incident its
// service already alerts in: one page, rooted at db. Before the
// thirty-sixth pass the late ones opened incidents of their own.
func TestLaterAlertJoinsItsServicesIncident(t *testing.T) {
	cfg := testConfig()
	cfg.OnsetWindow = 2 * time.Minute
	e := New(cfg, staticGraph(map[string][]string{"api": {"db"}}))
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	first := e.Ingest(firing("db", "HighErrorRate", at(0)), at(0))
	pages := map[string][]string{}
	var clock time.Duration
	advance := func(to time.Duration) {
		for ; clock <= to; clock += 10 * time.Second {
			maps.Copy(pages, opened(e, at(clock)))
		}
	}
	ingest := func(svc, rule string, d time.Duration) string {
		advance(d - time.Second)
		return e.Ingest(firing(svc, rule, at(d)), at(d)).IncidentID
	}
	assert.Equal(t, first.IncidentID, ingest("api", "HighErrorRate", 10*time.Second))
	assert.Equal(t, first.IncidentID, ingest("db", "ErrorBudgetBurn", 20*time.Second))
	assert.Equal(t, first.IncidentID, ingest("db", "SaturationHigh", 3*time.Minute), "db's alert past the onset window")
	assert.Equal(t, first.IncidentID, ingest("api", "HighLatency", 4*time.Minute+10*time.Second), "api's later alert")
	advance(6 * time.Minute)
	assert.Equal(t, map[string][]string{"db": {"api", "db"}}, pages, "one page")
}

// TestFurtherAlertJoinsItsServiceAfterAQuietWindow: payment's TargetDown
// fires while its spans read quiet and they stay so through a whole
// evidence window; 80 s on, payment starts failing and alerts, and then
// its caller checkout. Both join the TargetDown's incident, as one
// service's further alerts do whatever its spans read before (the same
// relation as when the spans show failures 20 s after the TargetDown).
// From the eightieth to the ninetieth pass a quiet window marked the
// TargetDown as explaining no later failure there (quietstayed.go); on
// draws no rule was chosen by, that mark cost more pairs than it kept
// apart (EVALUATION.md, ninetieth pass), and was taken out.
func TestFurtherAlertJoinsItsServiceAfterAQuietWindow(t *testing.T) {
	for _, failFrom := range []int{80, 20} {
		now := t0.Add(10 * time.Minute)
		tr := evidence.New(evidence.Config{})
		observe(tr, []string{"checkout", "payment"}, now, 0, nil)
		observe(tr, []string{"web", "payment"}, now, 500, nil)
		cfg := testConfig()
		cfg.Evidence = tr
		e := New(cfg, checkoutBurstGraph())
		down := e.Ingest(firing("payment", "TargetDown", now), now)
		var errs, caller Result
		for s := 1; s <= 100; s++ {
			at := now.Add(time.Duration(s) * time.Second)
			var fail func(uint64) bool
			if s >= failFrom {
				fail = func(k uint64) bool { return k%2 == 1 }
			}
			tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, 3000+uint64(2*s), at, fail), at)
			tr.Observe(alertscenario.ChainTraces([]string{"web", "payment"}, 2, 5000+uint64(2*s), at, fail), at)
			e.Advance(at)
			switch s {
			case 90:
				errs = e.Ingest(firing("payment", "HighErrorRate", at), at)
			case 95:
				caller = e.Ingest(firing("checkout", "HighErrorRate", at), at)
			}
		}
		assert.Equal(t, down.IncidentID, errs.IncidentID, "failing from %ds: payment's error alert with its TargetDown", failFrom)
		assert.Equal(t, down.IncidentID, caller.IncidentID, "failing from %ds: checkout with payment", failFrom)
	}
}
