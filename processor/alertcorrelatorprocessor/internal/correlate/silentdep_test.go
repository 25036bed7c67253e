package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/stretchr/testify/require"
)

// TestSilentDependencyNamesTheRoot: payment, which has no alert rule of its
// own, fails; its direct callers alert within a second of each other and
// nothing else relates them. When the spans show errors originating in
// payment, three of its four callers, or two (critical or warning alike),
// make one incident, paged once, naming payment as its probable root
// (first in the ranking, SilentRoot), across restarts between them and
// before the page too; when payment alerts at last it is the root of that
// incident and the silent root is no longer shown. Alerts only, or with
// payment healthy in the spans, the same three callers stay apart (as
// likely concurrent faults' roots). A lone caller, three callers a minute
// apart (beyond the 30 s burst window), three callers in a burst, and
// three of a hub's twelve callers (db: the rest quiet) stay apart.
func TestSilentDependencyNamesTheRoot(t *testing.T) {
	const none, healthy, failing = 0, 1, 2
	for _, tt := range []struct {
		name     string
		sev      string
		callers  []string
		gap      time.Duration
		restart  bool
		burst    bool
		spans    int
		together bool
	}{
		{"three callers together", "critical", []string{"checkout", "cart", "web"}, time.Second, false, false, failing, true},
		{"restarted between them", "critical", []string{"checkout", "cart", "web"}, time.Second, true, false, failing, true},
		{"two critical callers", "critical", []string{"checkout", "cart"}, time.Second, false, false, failing, true},
		{"two warnings together", "warning", []string{"checkout", "cart"}, time.Second, false, false, failing, true},
		{"three callers, alerts only", "critical", []string{"checkout", "cart", "web"}, time.Second, false, false, none, false},
		{"two warnings, alerts only", "warning", []string{"checkout", "cart"}, time.Second, false, false, none, false},
		{"three callers, payment healthy", "critical", []string{"checkout", "cart", "web"}, time.Second, false, false, healthy, false},
		{"one caller", "critical", []string{"checkout"}, 0, false, false, failing, false},
		{"three callers a minute apart", "critical", []string{"checkout", "cart", "web"}, time.Minute, false, false, failing, false},
		{"three callers in a burst", "critical", []string{"checkout", "cart", "web"}, time.Second, false, true, failing, false},
		{"three of a hub's twelve callers", "critical", []string{"s1", "s2", "s3"}, time.Second, false, false, failing, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.OnsetWindow = 10*time.Second, 2*time.Minute
			services := fourPaymentCallers()
			for i := 1; i <= 12; i++ {
				services[fmt.Sprintf("s%d", i)] = []string{"db"}
			}
			g := staticGraph(services)
			if tt.spans != none {
				cfg.Evidence = paymentSpans(t0, tt.spans == failing)
			}
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

// paymentSpans is a tracker that has seen checkout, cart, web and api call
// payment until end, payment failing half its calls over the last minute
// when failing (errors originating in it), all healthy otherwise.
func paymentSpans(end time.Time, failing bool) *evidence.Tracker {
	var fail func(uint64) bool
	if failing {
		fail = func(k uint64) bool { return k%2 == 1 }
	}
	tr := evidence.New(evidence.Config{})
	for i, c := range []string{"checkout", "cart", "web", "api"} {
		observe(tr, []string{c, "payment"}, end.Add(-time.Minute), uint64(20000*i), nil)
		observe(tr, []string{c, "payment"}, end, uint64(20000*i+10000), fail)
	}
	return tr
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
