package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertconv"
)

// pager replays one alert's state changes (seconds after t0) second by
// second and counts the pages.
type pager struct {
	e         *Engine
	svc, rule string // email / EmailQueue when empty
	pages     []int
}

func (p *pager) run(t *testing.T, changes map[int]string, until int) {
	t.Helper()
	if p.svc == "" {
		p.svc, p.rule = "email", "EmailQueue"
	}
	var start time.Time
	for s := 0; s <= until; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		switch changes[s] {
		case "f":
			start = at
			p.e.Ingest(firing(p.svc, p.rule, at), at)
		case "r":
			a := resolved(p.svc, p.rule, at)
			a.StartsAt = start
			p.e.Ingest(a, at)
		}
		for _, ev := range p.e.Advance(at) {
			if ev.State == alertconv.IncidentOpen {
				p.pages = append(p.pages, s)
			}
		}
	}
}

func repageConfig() Config {
	cfg := testConfig()
	cfg.GroupWait, cfg.ResolveHold = 10*time.Second, 10*time.Second
	return cfg
}

// TestFlapPagesOnce: an alert pages, resolves, and fires again after its
// off period outlasted resolve_hold (its incident resolved): the new
// incident waits, and as the alert resolves again before it has fired
// for its last cycle plus group_wait, never pages. A storm
// family's flapping alert, which paged twice before.
func TestFlapPagesOnce(t *testing.T) {
	p := &pager{e: New(repageConfig(), demoGraph(t))}
	p.run(t, map[int]string{0: "f", 11: "r", 22: "f", 34: "r", 50: "f", 65: "r", 86: "f", 106: "r"}, 500)
	assert.Equal(t, []int{10}, p.pages, "one page, at group_wait")
}

// TestRecurrencePagesAgain: an alert that fires again after its
// resolution and stays firing pages again once it has fired for its last
// cycle (35 s from its first firing) plus group_wait.
func TestRecurrencePagesAgain(t *testing.T) {
	p := &pager{e: New(repageConfig(), demoGraph(t))}
	p.run(t, map[int]string{0: "f", 15: "r", 35: "f"}, 200)
	assert.Equal(t, []int{10, 35 + 35 + 10}, p.pages)
}

// TestRecurrenceWaitsAtMostFlapHold: a long off period delays the second
// page by flap.hold at most.
func TestRecurrenceWaitsAtMostFlapHold(t *testing.T) {
	cfg := repageConfig()
	cfg.Flap.Hold = 30 * time.Second
	p := &pager{e: New(cfg, demoGraph(t))}
	p.run(t, map[int]string{0: "f", 15: "r", 115: "f"}, 300)
	assert.Equal(t, []int{10, 115 + 30}, p.pages)
}

// TestBlipInALongIncidentPagesSoon: an alert that paged and fired for ten
// minutes, resolved for 20 s and fired again waits twice its off period
// plus group_wait, not its whole ten-minute cycle (flap.hold).
func TestBlipInALongIncidentPagesSoon(t *testing.T) {
	p := &pager{e: New(repageConfig(), demoGraph(t))}
	p.run(t, map[int]string{0: "f", 600: "r", 620: "f"}, 1000)
	assert.Equal(t, []int{10, 620 + 2*20 + 10}, p.pages)
}

// TestFirstPageDoesNotWait: an alert that never paged (it resolved
// within group_wait) is no suspect: its next firing pages at group_wait.
func TestFirstPageDoesNotWait(t *testing.T) {
	cfg := repageConfig()
	cfg.ResolveHold = 5 * time.Second
	p := &pager{e: New(cfg, demoGraph(t))}
	p.run(t, map[int]string{0: "f", 3: "r", 30: "f"}, 200)
	assert.Equal(t, []int{40}, p.pages)
}

// TestSuspectJoinsNoOtherIncident: a re-page suspect firing again while
// an alerting dependency's incident is open stays apart (its firings
// start whenever its own condition wobbles), where a first firing joins
// as a symptom.
func TestSuspectJoinsNoOtherIncident(t *testing.T) {
	e := New(repageConfig(), demoGraph(t))
	p := &pager{e: e, svc: "checkout", rule: "HighErrorRate"}
	p.run(t, map[int]string{0: "f", 15: "r"}, 40) // paged alone, resolved
	// checkout calls payment: a first firing would be its symptom.
	at := t0.Add(50 * time.Second)
	r := e.Ingest(firing("payment", "HighErrorRate", at), at)
	e.Advance(at)
	fresh := firing("checkout", "HighLatency", at.Add(time.Second))
	assert.Equal(t, r.IncidentID, e.Ingest(fresh, fresh.StartsAt).IncidentID, "a first firing joins")
	refire := firing("checkout", "HighErrorRate", at.Add(2*time.Second))
	got := e.Ingest(refire, refire.StartsAt).IncidentID
	assert.NotEmpty(t, got)
	assert.NotEqual(t, r.IncidentID, got, "the suspect stays apart")
}
