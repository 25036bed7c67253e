package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestCallerOfTwoOriginsNotGathered: the gateway calls payment and
// shipping. Its alert opens an incident; then payment alerts, and the
// traces show errors originating in payment. Payment's gathering takes the
// gateway's incident, whose failing calls lead to payment, unless the
// gateway's calls also fail toward shipping, failing on its own with no
// anomalous edge between shipping and payment: then the gateway's errors
// are two problems' and it stays where it was. Where shipping's failures
// come from payment (shipping calls payment), one problem reaches the
// gateway along two paths and the gathering takes it.
func TestCallerOfTwoOriginsNotGathered(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name     string
		shipping bool // shipping fails on its own
		viaPay   bool // shipping calls payment, its failures payment's
		rarely   bool // shipping fails on its own, far less than payment
		gathered bool
	}{
		{"payment alone fails", false, false, false, true},
		{"shipping fails on its own too", true, false, false, false},
		{"shipping fails through payment", false, true, false, true},
		{"shipping fails on its own, a small share of the gateway's failures", false, false, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := topology.New(topology.Config{})
			edges := map[string][]string{"gateway": {"payment", "shipping"}}
			if tt.viaPay {
				edges["shipping"] = []string{"payment"}
			}
			g.AddStatic(edges)
			tr := evidence.New(evidence.Config{})
			cfg := testConfig()
			cfg.Evidence, cfg.OnsetWindow = tr, 30*time.Second
			e := New(cfg, g)
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"gateway", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"gateway", "shipping"}, now.Add(-time.Minute), 500, nil)
			observe(tr, []string{"gateway", "payment"}, now, 1000, odd)
			switch {
			case tt.shipping:
				observe(tr, []string{"gateway", "shipping"}, now, 2000, odd)
			case tt.rarely:
				observe(tr, []string{"gateway", "shipping"}, now, 2000, func(k uint64) bool { return k%6 == 0 })
			case tt.viaPay:
				observe(tr, []string{"gateway", "shipping", "payment"}, now, 2000, odd)
			default:
				observe(tr, []string{"gateway", "shipping"}, now, 2000, nil)
			}
			gw := e.Ingest(firing("gateway", "Errors", now), now)
			e.Advance(now.Add(time.Second))
			// Past the onset window: payment does not take the gateway's
			// incident over at its first firing; its gathering reads the
			// gateway as a late root's caller.
			pay := now.Add(40 * time.Second)
			e.Ingest(firing("payment", "Errors", pay), pay)
			for i := 1; i <= 3; i++ {
				e.Advance(pay.Add(time.Duration(i) * time.Second))
			}
			payInc := e.IncidentOf(firing("payment", "Errors", pay).Fingerprint)
			gwInc := e.IncidentOf(firing("gateway", "Errors", now).Fingerprint)
			assert.Equal(t, tt.gathered, payInc == gwInc, "gateway opened %s, now in %s; payment in %s", gw.IncidentID, gwInc, payInc)
		})
	}
}

// TestLaterAlertOfTwoOriginsCallerGathered: the gateway already alerts
// (an earlier rule) when payment and shipping both fail on their own and
// its calls fail toward both; its later alert is gathered by payment's
// origin, as a service's later alert tells the newer trouble's story,
// while its first alert, a caller of two independent origins, stays.
func TestLaterAlertOfTwoOriginsCallerGathered(t *testing.T) {
	e, now := twoOriginsEngine(testConfig())
	first := now.Add(-20 * time.Second)
	e.Ingest(firing("gateway", "Latency", first), first)
	e.Ingest(firing("gateway", "Errors", now), now)
	e.Advance(now.Add(time.Second))
	pay := now.Add(40 * time.Second)
	e.Ingest(firing("payment", "Errors", pay), pay)
	for i := 1; i <= 3; i++ {
		e.Advance(pay.Add(time.Duration(i) * time.Second))
	}
	payInc := e.IncidentOf(firing("payment", "Errors", pay).Fingerprint)
	assert.Equal(t, payInc, e.IncidentOf(firing("gateway", "Errors", now).Fingerprint), "the later alert goes with payment")
	assert.NotEqual(t, payInc, e.IncidentOf(firing("gateway", "Latency", first).Fingerprint), "the first alert stays")
}

// twoOriginsEngine is an engine on cfg (its evidence and a 30 s onset
// window set) over a gateway calling payment and shipping, whose spans
// show both failing on their own in the minute before the time returned,
// after a healthy minute, and the gateway's calls failing toward both.
func twoOriginsEngine(cfg Config) (*Engine, time.Time) {
	odd := func(k uint64) bool { return k%2 == 1 }
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{"gateway": {"payment", "shipping"}})
	tr := evidence.New(evidence.Config{})
	cfg.Evidence, cfg.OnsetWindow = tr, 30*time.Second
	now := t0.Add(10 * time.Minute)
	observe(tr, []string{"gateway", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"gateway", "shipping"}, now.Add(-time.Minute), 500, nil)
	observe(tr, []string{"gateway", "payment"}, now, 1000, odd)
	observe(tr, []string{"gateway", "shipping"}, now, 2000, odd)
	return New(cfg, g), now
}
