package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBurstCallersJoinTheirRootOnceItShows, alerts only: three services
// the graph does not connect (a1-a3) open alerts, payment alerts in that
// burst (its four callers quiet: nothing holds its incident in a burst),
// and checkout, one of its direct callers, alerts 2 s after it, still in
// the burst: the burst rule keeps it apart. Once the burst has passed,
// cart and web, two more of payment's callers, alert and join payment's
// incident: payment now explains its callers, a fault spreading to them,
// and checkout's lone incident, opened in the burst after payment's onset,
// is gathered into payment's page (three callers and payment); a1-a3 stay
// apart. Without the later callers, or with checkout alerting before
// payment (the take-over's case, not this rule's), checkout stays apart.
func TestBurstCallersJoinTheirRootOnceItShows(t *testing.T) {
	for _, tt := range []struct {
		name          string
		later, before bool
		restart       bool
		together      bool
	}{
		{"later callers", true, false, false, true},
		{"later callers, restarted in between", true, false, true, true},
		{"no later caller", false, false, false, false},
		{"checkout before payment", true, true, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			g := staticGraph(fourPaymentCallers())
			e := New(cfg, g)
			now := t0.Add(10 * time.Minute)
			at, _ := burstOfThree(e, now)
			first, second := "payment", "checkout"
			if tt.before {
				first, second = second, first
			}
			root := e.Ingest(firing(first, "HighErrorRate", at.Add(time.Second)), at.Add(time.Second))
			sym := e.Ingest(firing(second, "HighErrorRate", at.Add(3*time.Second)), at.Add(3*time.Second))
			require.NotEqual(t, root.IncidentID, sym.IncidentID, "the burst keeps them apart at first")
			if tt.restart {
				e = restarted(t, e, cfg, g)
			}
			end := at.Add(50 * time.Second)
			if tt.later {
				for i, svc := range []string{"cart", "web"} {
					t := at.Add(time.Duration(45+5*i) * time.Second)
					e.Ingest(firing(svc, "HighErrorRate", t), t)
					end = t
				}
			}
			pages := opened(e, end.Add(time.Minute))
			checkout := e.IncidentOf(firing("checkout", "HighErrorRate", at).Fingerprint)
			payment := e.IncidentOf(firing("payment", "HighErrorRate", at).Fingerprint)
			assert.Equal(t, tt.together, checkout == payment, "%v", pages)
			if tt.together {
				assert.Equal(t, []string{"cart", "checkout", "payment", "web"}, pages["payment"])
				assert.Len(t, pages, 4, "%v", pages)
			}
		})
	}
}
