package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestLoneCallerNamesSilentRoot: checkout, the only caller of payment
// that alerts, pages; payment has no alert rule of its own. When the
// spans show checkout's calls to payment failing and errors originating
// in payment, the page names payment as its probable root (SilentRoot,
// first in the ranking, the evidence line about payment and checkout's
// errors through it), still after a restart without spans; when payment
// alerts at last it is the incident's root and the name goes. Alerts
// only, with payment healthy in the spans, with errors originating in
// checkout itself as well, and with payment failing only web's calls (checkout's
// own calls to it healthy), the page names checkout alone.
func TestLoneCallerNamesSilentRoot(t *testing.T) {
	for _, tt := range []struct {
		name   string
		spans  func(tr *evidence.Tracker, now time.Time)
		silent string
	}{
		{"payment failing under checkout", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 10000, odd)
		}, "payment"},
		{"alerts only", nil, ""},
		{"payment healthy", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 10000, nil)
		}, ""},
		{"checkout's errors its own too", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 10000, odd)
			observe(tr, []string{"checkout"}, now, 30000, odd)
		}, ""},
		{"payment failing under web only", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 10000, nil)
			observe(tr, []string{"web", "payment"}, now, 30000, odd)
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			g := loneCallerGraph()
			now := t0.Add(10 * time.Minute)
			if tt.spans != nil {
				tr := evidence.New(evidence.Config{})
				observe(tr, []string{"checkout", "payment"}, now.Add(-time.Minute), 0, nil)
				observe(tr, []string{"web", "payment"}, now.Add(-time.Minute), 20000, nil)
				observe(tr, []string{"checkout"}, now.Add(-time.Minute), 40000, nil)
				tt.spans(tr, now)
				cfg.Evidence = tr
			}
			e := New(cfg, g)
			id := e.Ingest(firing("checkout", "HighErrorRate", now), now).IncidentID
			page := pagesOf(e.Advance(now.Add(cfg.GroupWait)), id)
			require.NotNil(t, page)
			assert.Equal(t, "checkout", page.RootService)
			assert.Equal(t, tt.silent, page.SilentRoot)
			if tt.silent == "" {
				assert.Equal(t, "checkout", page.Ranking[0])
				return
			}
			assert.Equal(t, []string{"payment", "checkout"}, page.Ranking)
			assert.Contains(t, page.Evidence, "errors originate in payment")
			assert.Contains(t, page.Evidence, "1 of 1 alerting services' errors pass through payment")

			// Restarted without spans, the name holds: a symptom joins.
			noSpans := cfg
			noSpans.Evidence = nil
			e = restarted(t, e, noSpans, g)
			at := now.Add(cfg.GroupWait + time.Second)
			e.Ingest(firing("frontend", "HighErrorRate", at), at)
			up := pagesOf(e.Advance(at.Add(time.Second)), id)
			require.NotNil(t, up)
			assert.Equal(t, "payment", up.SilentRoot)
			assert.Equal(t, "payment", up.Ranking[0])

			// payment alerts at last: it is the root.
			at = at.Add(time.Minute)
			assert.Equal(t, id, e.Ingest(firing("payment", "HighErrorRate", at), at).IncidentID)
			up = pagesOf(e.Advance(at.Add(time.Second)), id)
			require.NotNil(t, up)
			assert.Equal(t, "payment", up.RootService)
			assert.Empty(t, up.SilentRoot)
		})
	}
}

// loneCallerGraph: frontend calls checkout, which calls payment; web
// calls payment too.
func loneCallerGraph() *topology.Graph {
	return staticGraph(map[string][]string{
		"frontend": {"checkout"}, "checkout": {"payment"}, "web": {"payment"},
	})
}

func odd(k uint64) bool { return k%2 == 1 }

// TestShutdownFlushNamesLoneSilentRoot: a pending incident the shutdown
// flush pages (no storage) names the lone caller's silent dependency as a
// page at its time would.
func TestShutdownFlushNamesLoneSilentRoot(t *testing.T) {
	cfg := testConfig()
	g := loneCallerGraph()
	now := t0.Add(10 * time.Minute)
	tr := evidence.New(evidence.Config{})
	observe(tr, []string{"checkout", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"web", "payment"}, now.Add(-time.Minute), 20000, nil)
	observe(tr, []string{"checkout"}, now.Add(-time.Minute), 40000, nil)
	observe(tr, []string{"checkout", "payment"}, now, 10000, odd)
	cfg.Evidence = tr
	e := New(cfg, g)
	id := e.Ingest(firing("checkout", "HighErrorRate", now), now).IncidentID
	page := pagesOf(e.Flush(now.Add(time.Second), false), id)
	require.NotNil(t, page)
	assert.Equal(t, "payment", page.SilentRoot)
	assert.Equal(t, []string{"payment", "checkout"}, page.Ranking)
}
