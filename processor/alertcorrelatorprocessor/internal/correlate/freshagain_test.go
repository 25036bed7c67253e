package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestFurtherAlertOnARootWaitsForItsFreshCause: errors have originated in
// ad for a minute and ad alerted; ad's calls to flagd started failing
// moments ago, errors originating in flagd, which has not alerted. ad's
// new alert opened with those fresh failures: it waits for flagd rather
// than joining its own service's incident, and flagd's alert, seconds
// later, takes it. Where ad's calls to flagd failed as long as ad's own
// errors, the new alert joins ad's incident as a further alert of one
// failure.
func TestFurtherAlertOnARootWaitsForItsFreshCause(t *testing.T) {
	for _, tt := range []struct {
		name       string
		flagdSince time.Duration
		withFlagd  bool
	}{
		{"flagd fails freshly", 12 * time.Second, true},
		{"flagd fails as long as ad", time.Minute, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(10 * time.Minute)
			tr := evidence.New(evidence.Config{})
			odd := func(k uint64) bool { return k%2 == 1 }
			observe(tr, []string{"web", "ad"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"ad", "flagd"}, now.Add(-time.Minute), 1000, nil)
			observe(tr, []string{"web", "ad"}, now, 2000, odd)
			for i := range 60 {
				at := now.Add(time.Duration(i-60) * time.Second)
				fail := func(k uint64) bool { return now.Sub(at) <= tt.flagdSince && odd(k) }
				tr.Observe(alertscenario.ChainTraces([]string{"ad", "flagd"}, 2, 3000+uint64(2*i), at, fail), at)
			}
			cfg := testConfig()
			cfg.Evidence = tr
			g := topology.New(topology.Config{})
			g.AddStatic(map[string][]string{"web": {"ad"}, "ad": {"flagd"}})
			e := New(cfg, g)

			first := e.Ingest(firing("ad", "Errors", now.Add(-50*time.Second)), now)
			again := e.Ingest(firing("ad", "Latency", now), now.Add(time.Second))
			e.Ingest(firing("flagd", "Errors", now.Add(5*time.Second)), now.Add(5*time.Second))
			for s := 6; s <= 30; s++ {
				e.Advance(now.Add(time.Duration(s) * time.Second))
			}

			incOf := func(svc, rule string) string { return e.IncidentOf(firing(svc, rule, now).Fingerprint) }
			if tt.withFlagd {
				assert.NotEqual(t, first.IncidentID, again.IncidentID, "ad's new alert waits for flagd")
				assert.Equal(t, incOf("flagd", "Errors"), incOf("ad", "Latency"), "flagd's alert takes it")
				assert.NotEqual(t, incOf("flagd", "Errors"), incOf("ad", "Errors"), "ad's first alert stays")
			} else {
				assert.Equal(t, first.IncidentID, again.IncidentID, "one failure's further alert")
			}
		})
	}
}
