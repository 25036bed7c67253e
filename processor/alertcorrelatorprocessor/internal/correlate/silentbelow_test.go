package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestSilentRootBelowAMemberWhenTheRootIsQuiet: an unrelated alert on
// cache, then checkout's, the only caller of payment that alerts, share
// an incident (the failing spans arrive after both alerts, as late
// batches do), and the ranking names cache (the deeper service, one
// alerting caller). payment has no alert of its own. When the spans then
// read cache healthy and show checkout's calls to payment failing with
// errors originating in payment, the page names payment as its probable
// root (SilentRoot, first in the ranking). When cache's spans are not
// quiet (its own calls failing too), when payment is healthy, or alerts
// only, the page names cache.
func TestSilentRootBelowAMemberWhenTheRootIsQuiet(t *testing.T) {
	for _, tt := range []struct {
		name   string
		spans  func(tr *evidence.Tracker, now time.Time)
		silent string
	}{
		{"cache quiet, payment failing under checkout", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 10000, odd)
			observe(tr, []string{"checkout", "cache"}, now, 20000, nil)
		}, "payment"},
		{"alerts only", nil, ""},
		{"cache failing too", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 10000, odd)
			observe(tr, []string{"checkout", "cache"}, now, 20000, odd)
		}, ""},
		{"payment healthy", func(tr *evidence.Tracker, now time.Time) {
			observe(tr, []string{"checkout", "payment"}, now, 10000, nil)
			observe(tr, []string{"checkout", "cache"}, now, 20000, nil)
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			g := silentBelowGraph()
			now := t0.Add(10 * time.Minute)
			if tt.spans != nil {
				tr := evidence.New(evidence.Config{})
				observe(tr, []string{"checkout", "payment"}, now.Add(-time.Minute), 0, nil)
				observe(tr, []string{"checkout", "cache"}, now.Add(-time.Minute), 30000, nil)
				observe(tr, []string{"frontend", "checkout"}, now.Add(-time.Minute), 40000, nil)
				cfg.Evidence = tr
			}
			e := New(cfg, g)
			id := e.Ingest(firing("cache", "DiskSpaceLow", now), now).IncidentID
			at := now.Add(5 * time.Second)
			require.Equal(t, id, e.Ingest(firing("checkout", "HighErrorRate", at), at).IncidentID)
			if tt.spans != nil {
				tt.spans(cfg.Evidence, now.Add(20*time.Second))
			}
			page := pagesOf(e.Advance(now.Add(cfg.GroupWait)), id)
			require.NotNil(t, page)
			require.Equal(t, "cache", page.RootService)
			assert.Equal(t, tt.silent, page.SilentRoot)
			if tt.silent == "" {
				assert.Equal(t, "cache", page.Ranking[0])
				return
			}
			assert.Equal(t, []string{"payment", "cache", "checkout"}, page.Ranking)
			assert.Contains(t, page.Evidence, "errors originate in payment")
		})
	}
}

// silentBelowGraph: frontend calls checkout, which calls payment and
// cache.
func silentBelowGraph() *topology.Graph {
	return staticGraph(map[string][]string{
		"frontend": {"checkout"}, "checkout": {"payment", "cache"},
	})
}
