package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestPageWaitsForItsCause: recommendation and ad, two callers of flagd
// that do not call each other, alert before flagd does. Without traces
// each pages at group_wait, and flagd's alert merges the two pages when it
// comes. With traces showing errors originating in flagd, which has not
// alerted, the callers' pages wait for it: flagd's alert takes both over
// and one page goes out. When flagd never alerts, they page cause_wait
// past group_wait at the latest (cause_wait 0: at group_wait); when the traces show flagd
// healthy, or flagd alerted long before (outside onset_window, no longer
// read as an origin), they page at group_wait as before.
func TestPageWaitsForItsCause(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"recommendation": {"flagd"}, "ad": {"flagd"}})
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name        string
		traces      bool
		fail        func(uint64) bool
		flagdAlerts bool
		flagdEarly  bool // alerted 3m before the callers, apart from them
		pagesAt30s  int
		pages       int
		pagedBy     time.Duration
		causeWait   time.Duration
	}{
		{"no traces", false, nil, true, false, 2, 2, 30 * time.Second, time.Minute},
		{"flagd originates errors, then alerts", true, odd, true, false, 0, 1, 0, time.Minute},
		{"flagd originates errors, never alerts", true, odd, false, false, 0, 2, 90 * time.Second, time.Minute},
		{"flagd healthy", true, nil, false, false, 2, 2, 30 * time.Second, time.Minute},
		{"flagd alerted long before, apart", true, odd, false, true, 3, 3, 30 * time.Second, time.Minute},
		{"cause_wait 0: no wait", true, odd, true, false, 2, 2, 30 * time.Second, 0},
		{"cause_wait 20s: never alerts", true, odd, false, false, 0, 2, 50 * time.Second, 20 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.OnsetWindow = time.Minute
			cfg.CauseWait = tt.causeWait
			now := t0.Add(10 * time.Minute)
			var tr *evidence.Tracker
			feed := func(at time.Time, k int) {
				if tr == nil {
					return
				}
				for _, c := range [][]string{{"recommendation", "flagd"}, {"ad", "flagd"}} {
					tr.Observe(alertscenario.ChainTraces(c, 2, uint64(10000+8*k), at, tt.fail), at)
				}
			}
			if tt.traces {
				tr = evidence.New(evidence.Config{})
				observe(tr, []string{"recommendation", "flagd"}, now.Add(-time.Minute), 0, nil)
				observe(tr, []string{"ad", "flagd"}, now.Add(-time.Minute), 1000, nil)
				observe(tr, []string{"recommendation", "flagd"}, now, 2000, tt.fail)
				observe(tr, []string{"ad", "flagd"}, now, 3000, tt.fail)
				cfg.Evidence = tr
			}
			e := New(cfg, g)
			if tt.flagdEarly {
				e.Ingest(firing("flagd", "ServiceDown", now.Add(-3*time.Minute)), now.Add(-3*time.Minute))
			}
			e.Ingest(firing("recommendation", "HighErrorRate", now), now)
			e.Ingest(firing("ad", "HighErrorRate", now), now)
			var opened []Event
			var last time.Duration
			for s := 1; s <= 120; s++ {
				d := time.Duration(s) * time.Second
				at := now.Add(d)
				feed(at, s)
				if tt.flagdAlerts && s == 40 {
					e.Ingest(firing("flagd", "ServiceDown", at), at)
				}
				for _, ev := range e.Advance(at) {
					if ev.State == alertconv.IncidentOpen {
						opened = append(opened, ev)
						last = d
					}
				}
				if s == 30 {
					require.Len(t, opened, tt.pagesAt30s, "pages at group_wait")
				}
			}
			require.Len(t, opened, tt.pages)
			if tt.pagedBy > 0 {
				assert.LessOrEqual(t, last, tt.pagedBy)
			}
			if tt.pages == 1 {
				assert.Equal(t, "flagd", opened[0].Incident.RootService)
				assert.Equal(t, []string{"ad", "flagd", "recommendation"}, opened[0].Incident.Services)
			}
		})
	}
}
