package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// TestQuietCallerInBurstRejoinsOnceSpansShowIt: payment alerts, then a
// burst (a1-a3), then checkout, a direct caller of payment, whose spans
// still read quiet at its onset: the burst keeps it apart. When its calls
// to payment start failing in the spans 20 s later (spans lag alerts),
// its held page never goes out: its incident merges into payment's. When
// its spans stay healthy (a maintenance window's alert), it pages on its
// own, at most cause_wait past group_wait.
func TestQuietCallerInBurstRejoinsOnceSpansShowIt(t *testing.T) {
	g := checkoutBurstGraph()
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name     string
		later    func(uint64) bool // checkout -> payment calls from 20 s on
		together bool
		paged    int // seconds after checkout's onset its own page went, 0: none
	}{
		{"spans show it later", odd, true, 0},
		{"spans stay quiet", nil, false, 70},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.CauseWait = 10*time.Second, time.Minute
			now := t0.Add(10 * time.Minute)
			tr := evidence.New(evidence.Config{})
			observe(tr, []string{"checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"web", "payment"}, now.Add(-time.Minute), 500, nil)
			observe(tr, []string{"checkout", "payment"}, now, 1000, nil)
			observe(tr, []string{"web", "payment"}, now, 1500, odd)
			cfg.Evidence = tr
			e := New(cfg, g)
			root := e.Ingest(firing("payment", "HighErrorRate", now), now)
			at, _ := burstOfThree(e, now)
			at = at.Add(2 * time.Second)
			sym := e.Ingest(firing("checkout", "HighErrorRate", at), at)
			require.NotEqual(t, root.IncidentID, sym.IncidentID, "quiet at its onset: kept apart")
			paged := 0
			for s := 1; s <= 120; s++ {
				t := at.Add(time.Duration(s) * time.Second)
				var fail func(uint64) bool
				if s >= 20 {
					fail = tt.later
				}
				tr.Observe(alertscenario.ChainTraces([]string{"checkout", "payment"}, 2, 3000+uint64(2*s), t, fail), t)
				tr.Observe(alertscenario.ChainTraces([]string{"web", "payment"}, 2, 5000+uint64(2*s), t, odd), t)
				for _, ev := range e.Advance(t) {
					if ev.State == alertconv.IncidentOpen && ev.Incident.ID == sym.IncidentID {
						paged = s
					}
				}
			}
			inc := e.IncidentOf(firing("checkout", "HighErrorRate", at).Fingerprint)
			assert.Equal(t, tt.together, inc == root.IncidentID, "checkout with payment")
			assert.Equal(t, tt.paged, paged, "checkout's own page, seconds after its onset")
		})
	}
}
