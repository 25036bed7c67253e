package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestLateApartDetailNamesTheRefusal replays the late root's setting of
// TestLateRootTakesItsCallerFromAnotherIncident and reads LateApartDetail
// at the late root's first firing: the gateway left in quote's incident
// is named with the condition that kept it there; once it moved, it is
// not named.
func TestLateApartDetailNamesTheRefusal(t *testing.T) {
	for _, tt := range []struct {
		name     string
		siblings []string
		below    bool
		want     string
	}{
		{"no other caller alerting", nil, false, "gateway: new alert does not explain its callers"},
		{"one caller crosses with it", []string{"cart"}, false, "gateway: fewer crossing siblings than needed"},
		{"the other root below the late one", []string{"cart", "web"}, true, "gateway: new alert's service reaches the other root"},
		{"two callers cross: it moved", []string{"cart", "web"}, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			cfg.GroupWait, cfg.OnsetWindow = 10*time.Second, 2*time.Minute
			e := New(cfg, staticGraph(gatewayBetweenTwo(tt.below)))
			e.Advance(t0)
			e.Ingest(firing("quote", "ServiceDown", t0), t0)
			at := t0.Add(20 * time.Second)
			e.Advance(at)
			e.Ingest(firing("gateway", "HighErrorRate", at), at)
			for i, svc := range tt.siblings {
				s := at.Add(time.Duration(i+1) * time.Second)
				e.Advance(s)
				e.Ingest(firing(svc, "HighErrorRate", s), s)
			}
			late := at.Add(3 * time.Minute)
			e.Advance(late)
			root := firing("payment", "ServiceDown", late)
			e.Ingest(root, late)
			got := e.LateApartDetail(root.Fingerprint, late)
			if tt.want == "" {
				assert.NotContains(t, got, "gateway")
				return
			}
			assert.Contains(t, got, tt.want)
		})
	}
}
