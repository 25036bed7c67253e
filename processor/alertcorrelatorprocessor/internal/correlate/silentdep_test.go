package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/stretchr/testify/require"
)

// TestSilentDependencyNamesTheRoot, alerts only: payment, which has no
// alert rule of its own, fails; checkout, cart and web, three of its four
// direct callers, alert within a second of each other and nothing else
// relates them. One incident, paged once, naming payment as its probable
// root (first in the ranking, SilentRoot), across restarts between them
// and before the page too; when payment alerts at last it is the root of
// that incident and the silent root is no longer shown. Two callers
// suffice when both alert below the top severity (warnings). A lone
// caller, two critical callers (as likely two concurrent faults' roots),
// three callers a minute apart (beyond the 30 s burst window), three
// callers in a burst, and three of a hub's twelve callers (db: the rest
// quiet) stay apart.
func TestSilentDependencyNamesTheRoot(t *testing.T) {
	for _, tt := range []struct {
		name     string
		sev      string
		callers  []string
		gap      time.Duration
		restart  bool
		burst    bool
		together bool
	}{
		{"three callers together", "critical", []string{"checkout", "cart", "web"}, time.Second, false, false, true},
		{"restarted between them", "critical", []string{"checkout", "cart", "web"}, time.Second, true, false, true},
		{"two warnings together", "warning", []string{"checkout", "cart"}, time.Second, false, false, true},
		{"one caller", "critical", []string{"checkout"}, 0, false, false, false},
		{"two critical callers", "critical", []string{"checkout", "cart"}, time.Second, false, false, false},
		{"three callers a minute apart", "critical", []string{"checkout", "cart", "web"}, time.Minute, false, false, false},
		{"three callers in a burst", "critical", []string{"checkout", "cart", "web"}, time.Second, false, true, false},
		{"three of a hub's twelve callers", "critical", []string{"s1", "s2", "s3"}, time.Second, false, false, false},
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
				ids = append(ids, e.Ingest(sevAlert(svc, tt.sev, at), at).IncidentID)
			}
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}
			last := time.Duration(len(ids)-1) * tt.gap
			id := e.IncidentOf(sevAlert(tt.callers[0], tt.sev, t0).Fingerprint)
			page := pagesOf(e.Advance(t0.Add(last+time.Minute)), id)
			if !tt.together {
				for i := 1; i < len(ids); i++ {
					assert.NotEqual(t, id, e.IncidentOf(sevAlert(tt.callers[i], tt.sev, t0).Fingerprint))
				}
				if page != nil {
					assert.Empty(t, page.SilentRoot)
				}
				return
			}
			for _, svc := range tt.callers {
				assert.Equal(t, id, e.IncidentOf(sevAlert(svc, tt.sev, t0).Fingerprint), svc)
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

// sevAlert is a firing HighErrorRate alert on service of severity sev.
func sevAlert(service, sev string, at time.Time) Alert {
	a := firing(service, "HighErrorRate", at)
	a.Severity, a.Labels["severity"] = sev, sev
	a.Fingerprint = alertconv.Fingerprint(a.Labels)
	return a
}
