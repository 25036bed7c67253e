package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSameAlertsSameEvents replays the same alerts on fresh engines and
// requires the same events, members in the same order, every time (Go
// draws a map's order anew at every range: order.go). Each scenario puts
// two incidents on one service, checkout, which a rule then merges in
// turn, each retired into the survivor in the order the rule reads them.
// In both a burst (a1-a3, unconnected) keeps checkout's two alerts, on
// two rules, apart from everything and from each other.
//   - gathered: payment alerts in the burst, then checkout twice; once
//     cart and web alert after the burst payment explains its callers and
//     gathers checkout's two lone incidents (burstcallers.go);
//   - taken over: payment alerts first (held: no caller shows it), then
//     the burst, then checkout twice, each refused as its symptom; cart
//     alerting makes payment explain its callers and it takes over the
//     incidents waiting for it (retryTakeOver, read by deeperRootOf).
func TestSameAlertsSameEvents(t *testing.T) {
	for _, tt := range []struct {
		name   string
		alerts []orderAlert
	}{
		{"gathered", []orderAlert{
			{"a1", "TargetDown", 1}, {"a2", "TargetDown", 2}, {"a3", "TargetDown", 3}, {"payment", "HighErrorRate", 4},
			{"checkout", "HighErrorRate", 6}, {"checkout", "HighLatency", 7}, {"cart", "HighErrorRate", 48}, {"web", "HighErrorRate", 53},
		}},
		{"taken over", []orderAlert{
			{"payment", "HighErrorRate", 0}, {"a1", "TargetDown", 1}, {"a2", "TargetDown", 2}, {"a3", "TargetDown", 3},
			{"checkout", "HighErrorRate", 5}, {"checkout", "HighLatency", 6}, {"cart", "HighErrorRate", 7},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			first := orderReplay(t, tt.alerts)
			for range 40 {
				require.Equal(t, first, orderReplay(t, tt.alerts))
			}
		})
	}
}

// orderAlert is one alert of TestSameAlertsSameEvents, firing s seconds
// into the scenario.
type orderAlert struct {
	service, rule string
	s             int
}

// orderReplay ingests alerts on a fresh engine, advancing every second,
// and returns every event, one line each. It requires checkout's two
// alerts apart at first and in payment's incident at the end.
func orderReplay(t *testing.T, alerts []orderAlert) []string {
	cfg := burstConfig()
	cfg.SnapshotMembers = true
	e := New(cfg, staticGraph(fourPaymentCallers()))
	var out []string
	start := t0.Add(10 * time.Minute)
	now := start
	advance := func(to time.Time) {
		for ; !now.After(to); now = now.Add(time.Second) {
			for _, ev := range e.Advance(now) {
				in := ev.Incident
				out = append(out, fmt.Sprintf("%s %s %s root=%s members=%v merged=%s", now.Format("15:04:05"), ev.State, in.ID, in.RootService, in.Members, in.MergedInto))
			}
		}
	}
	incidentOf := func(svc, rule string) string { return e.IncidentOf(firing(svc, rule, start).Fingerprint) }
	for _, a := range alerts {
		at := start.Add(time.Duration(a.s) * time.Second)
		advance(at.Add(-time.Second))
		if a.service == "cart" {
			require.NotEqual(t, incidentOf("checkout", "HighErrorRate"), incidentOf("checkout", "HighLatency"), "the burst keeps checkout's two alerts apart")
		}
		e.Ingest(firing(a.service, a.rule, at), at)
		advance(at)
	}
	advance(now.Add(2 * time.Minute))
	payment := incidentOf("payment", "HighErrorRate")
	require.Equal(t, payment, incidentOf("checkout", "HighErrorRate"), "%v", out)
	require.Equal(t, payment, incidentOf("checkout", "HighLatency"), "%v", out)
	return out
}
