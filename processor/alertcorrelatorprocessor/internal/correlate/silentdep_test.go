package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSilentDependencyNamesTheRoot, alerts only: payment, which has no
// alert rule of its own, fails; checkout, cart and web, three of its four
// direct callers, alert within a second of each other and nothing else
// relates them. One incident, paged once, naming payment as its probable
// root (first in the ranking, SilentRoot), across restarts between them
// and before the page too; when payment alerts at last it is the root of
// that incident and the silent root is no longer shown. A lone caller,
// two callers (as likely two concurrent faults), three callers a minute
// apart (beyond the 30 s burst window), three callers in a burst, and
// three of a hub's twelve callers (db: the rest quiet) stay apart.
func TestSilentDependencyNamesTheRoot(t *testing.T) {
	for _, tt := range []struct {
		name     string
		callers  []string
		gap      time.Duration
		restart  bool
		burst    bool
		together bool
	}{
		{"three callers together", []string{"checkout", "cart", "web"}, time.Second, false, false, true},
		{"restarted between them", []string{"checkout", "cart", "web"}, time.Second, true, false, true},
		{"one caller", []string{"checkout"}, 0, false, false, false},
		{"two callers", []string{"checkout", "cart"}, time.Second, false, false, false},
		{"three callers a minute apart", []string{"checkout", "cart", "web"}, time.Minute, false, false, false},
		{"three callers in a burst", []string{"checkout", "cart", "web"}, time.Second, false, true, false},
		{"three of a hub's twelve callers", []string{"s1", "s2", "s3"}, time.Second, false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.OnsetWindow = 10*time.Second, 2*time.Minute
			services := fourPaymentCallers()
			for i := 1; i <= 12; i++ {
				services[fmt.Sprintf("s%d", i)] = []string{"db"}
			}
			g := staticGraph(services)
			e := New(cfg, g)
			if tt.burst {
				for _, svc := range []string{"a1", "a2", "a3"} {
					e.Ingest(firing(svc, "HighErrorRate", t0), t0)
				}
			}
			var ids []string
			for i, svc := range tt.callers {
				at := t0.Add(time.Duration(i) * tt.gap)
				if i > 0 && tt.restart {
					e = restarted(t, e, cfg, g)
				}
				e.Advance(at)
				ids = append(ids, e.Ingest(firing(svc, "HighErrorRate", at), at).IncidentID)
			}
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}
			last := time.Duration(len(ids)-1) * tt.gap
			id := e.IncidentOf(firing(tt.callers[0], "HighErrorRate", t0).Fingerprint)
			page := pagesOf(e.Advance(t0.Add(last+time.Minute)), id)
			if !tt.together {
				for i := 1; i < len(ids); i++ {
					assert.NotEqual(t, id, e.IncidentOf(firing(tt.callers[i], "HighErrorRate", t0).Fingerprint))
				}
				if page != nil {
					assert.Empty(t, page.SilentRoot)
				}
				return
			}
			for _, svc := range tt.callers {
				assert.Equal(t, id, e.IncidentOf(firing(svc, "HighErrorRate", t0).Fingerprint), svc)
			}
			require.NotNil(t, page)
			assert.Equal(t, "payment", page.SilentRoot)
			assert.Equal(t, "payment", page.Ranking[0])
			assert.ElementsMatch(t, tt.callers, page.Services)
			assert.Contains(t, tt.callers, page.RootService)
			at := t0.Add(last + 90*time.Second)
			root := e.Ingest(firing("payment", "HighErrorRate", at), at)
			assert.Equal(t, id, root.IncidentID)
			up := pagesOf(e.Advance(at.Add(time.Second)), id)
			require.NotNil(t, up)
			assert.Equal(t, "payment", up.RootService)
			assert.Empty(t, up.SilentRoot)
		})
	}
}

// pagesOf returns the record of incident id among events, nil if none.
func pagesOf(events []Event, id string) *Snapshot {
	for _, ev := range events {
		if ev.Incident.ID == id {
			return &ev.Incident
		}
	}
	return nil
}
