package correlate

import (
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBurstCallersPageOnceWithTheirRoot, alerts only: three services the
// graph does not connect (a1-a3) open alerts (a burst), and checkout and
// cart, two direct callers of payment that do not call each other, alert
// in it before payment does: the burst keeps each apart. Payment alerts
// 40 s later, past group_wait (10 s), and takes both over as their deeper
// root (two of its four callers show it). Their pages wait for payment (they share it, it has not
// alerted): one page, payment's, holding all three, and no page merged
// away. Across a restart in between the same. With only checkout (no
// other caller shares payment) its page goes at group_wait (payment,
// one caller of four alerting, takes nothing over); with payment never
// alerting, checkout and cart page at the end of the hold.
func TestBurstCallersPageOnceWithTheirRoot(t *testing.T) {
	for _, tt := range []struct {
		name              string
		callers           []string
		root, restart     bool
		pages, mergedAway int
		together          bool
	}{
		{"two callers, then their root", []string{"checkout", "cart"}, true, false, 4, 0, true},
		{"restarted while held", []string{"checkout", "cart"}, true, true, 4, 0, true},
		{"one caller, then its root", []string{"checkout"}, true, false, 5, 0, false},
		{"no root", []string{"checkout", "cart"}, false, false, 5, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.CauseWait = 10*time.Second, time.Minute
			g := staticGraph(fourPaymentCallers())
			e := New(cfg, g)
			at, _ := burstOfThree(e, t0.Add(10*time.Minute))
			var ids []string
			for i, svc := range tt.callers {
				t := at.Add(time.Duration(1+2*i) * time.Second)
				ids = append(ids, e.Ingest(firing(svc, "HighErrorRate", t), t).IncidentID)
			}
			require.Len(t, ids, len(tt.callers))
			if len(ids) == 2 {
				require.NotEqual(t, ids[0], ids[1], "the burst keeps them apart")
			}
			pages, merged := 0, 0
			count := func(evs []Event) {
				for _, ev := range evs {
					if ev.Incident.MergedInto != "" {
						merged++
					} else if ev.State == alertconv.IncidentOpen {
						pages++
					}
				}
			}
			for s := 1; s <= 40; s++ {
				count(e.Advance(at.Add(time.Duration(s) * time.Second)))
			}
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}
			if tt.root {
				rt := at.Add(41 * time.Second)
				e.Ingest(firing("payment", "HighErrorRate", rt), rt)
			}
			for s := 41; s <= 150; s++ {
				count(e.Advance(at.Add(time.Duration(s) * time.Second)))
			}
			assert.Equal(t, tt.pages, pages, "pages")
			assert.Equal(t, tt.mergedAway, merged, "pages merged away")
			if tt.together {
				payment := e.IncidentOf(firing("payment", "HighErrorRate", at).Fingerprint)
				for _, svc := range tt.callers {
					assert.Equal(t, payment, e.IncidentOf(firing(svc, "HighErrorRate", at).Fingerprint), svc)
				}
			}
		})
	}
}

// TestHeldBurstCallerStillTakesItsCallers, alerts only: as above,
// checkout and cart alert in a burst before payment, and their pages are
// held. web2, checkout's only caller, alerts 20 s later, still in the
// burst: checkout's incident, past group_wait, counts as paged for the
// burst's paged-fault rule (burstpaged.go), so web2 joins it as it would
// have had checkout paged at group_wait. The hold changes where no alert
// goes.
func TestHeldBurstCallerStillTakesItsCallers(t *testing.T) {
	cfg := burstConfig()
	cfg.GroupWait, cfg.CauseWait = 10*time.Second, time.Minute
	callers := fourPaymentCallers()
	callers["web2"] = []string{"checkout"}
	e := New(cfg, staticGraph(callers))
	at, _ := burstOfThree(e, t0.Add(10*time.Minute))
	checkout := e.Ingest(firing("checkout", "HighErrorRate", at.Add(time.Second)), at.Add(time.Second))
	e.Ingest(firing("cart", "HighErrorRate", at.Add(3*time.Second)), at.Add(3*time.Second))
	pages := map[string][]string{}
	for s := 4; s <= 19; s++ {
		for k, v := range opened(e, at.Add(time.Duration(s)*time.Second)) {
			pages[k] = v
		}
	}
	require.NotContains(t, pages, "checkout", "checkout's page is held")
	web2 := e.Ingest(firing("web2", "HighErrorRate", at.Add(20*time.Second)), at.Add(20*time.Second))
	assert.Equal(t, checkout.IncidentID, web2.IncidentID)
}

// TestBurstCallersPageOnceWithTheirRootWithSpans: as the first case of
// TestBurstCallersPageOnceWithTheirRoot, with spans present and speaking
// (errors originate in a1, alerting in the burst) that say nothing of
// payment or its callers (too sparse there to show an origin: await.go
// finds no cause to wait for). checkout's and cart's pages still wait for
// payment, which takes them over: one page, none merged away. Where the
// spans show checkout's errors as its own (originating there, none
// of its calls failing), its page goes at group_wait: the spans say its
// trouble is its own, not a dependency's still to alert.
func TestBurstCallersPageOnceWithTheirRootWithSpans(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name              string
		checkoutOwn       bool
		pages, mergedAway int
		checkoutPaged     int // seconds after the burst, 0: not alone
	}{
		{"callers silent in the spans", false, 4, 0, 0},
		{"checkout a cause of its own", true, 5, 0, 11},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.CauseWait = 10*time.Second, time.Minute
			tr := evidence.New(evidence.Config{})
			cfg.Evidence = tr
			e := New(cfg, staticGraph(fourPaymentCallers()))
			start := t0.Add(10 * time.Minute)
			observe(tr, []string{"a1", "x1"}, start, 0, nil)
			observe(tr, []string{"checkout"}, start, 500, nil)
			feed := func(at time.Time, i int) {
				tr.Observe(alertscenario.ChainTraces([]string{"a1"}, 2, 1000+uint64(2*i), at, odd), at)
				var fail func(uint64) bool
				if tt.checkoutOwn {
					fail = odd
				}
				tr.Observe(alertscenario.ChainTraces([]string{"checkout"}, 2, 5000+uint64(2*i), at, fail), at)
			}
			at, _ := burstOfThree(e, start)
			feed(at, 0)
			co := e.Ingest(firing("checkout", "HighErrorRate", at.Add(time.Second)), at.Add(time.Second))
			ca := e.Ingest(firing("cart", "HighErrorRate", at.Add(3*time.Second)), at.Add(3*time.Second))
			require.NotEqual(t, co.IncidentID, ca.IncidentID, "the burst keeps them apart")
			pages, merged, checkoutPaged := 0, 0, 0
			for s := 1; s <= 150; s++ {
				now := at.Add(time.Duration(s) * time.Second)
				feed(now, s)
				if s == 41 {
					e.Ingest(firing("payment", "HighErrorRate", now), now)
				}
				for _, ev := range e.Advance(now) {
					if ev.Incident.MergedInto != "" {
						merged++
					} else if ev.State == alertconv.IncidentOpen {
						pages++
						if ev.Incident.ID == co.IncidentID {
							checkoutPaged = s
						}
					}
				}
			}
			require.True(t, e.tracesActive(), "the spans speak")
			assert.Equal(t, tt.pages, pages, "pages")
			assert.Equal(t, tt.mergedAway, merged, "pages merged away")
			assert.Equal(t, tt.checkoutPaged, checkoutPaged, "checkout's own page, seconds after the burst")
		})
	}
}
