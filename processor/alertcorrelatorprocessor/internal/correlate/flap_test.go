package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
)

// A flapping alert on a neighbour of a fault first joins the fault's
// incident (nothing tells it apart yet); once it flaps it has an incident
// of its own, the fault's incident is as without it, and an alert that
// would have joined through it does not.
func TestFlappingAlertLeavesAndAttractsNothing(t *testing.T) {
	cfg := testConfig()
	cfg.ResolveHold = 10 * time.Second
	e := New(cfg, demoGraph(t))
	e.Ingest(firing("payment", "HighErrorRate", t0), t0)
	e.Ingest(firing("checkout", "HighErrorRate", t0.Add(5*time.Second)), t0.Add(5*time.Second))
	fault := e.IncidentOf(firing("payment", "HighErrorRate", t0).Fingerprint)
	// frontend calls checkout: it joins as a symptom.
	flap := firing("frontend", "probe-7", t0.Add(10*time.Second))
	e.Ingest(flap, flap.StartsAt)
	require.Equal(t, fault, e.IncidentOf(flap.Fingerprint))
	at := flapFour(e, flap)
	own := e.IncidentOf(flap.Fingerprint)
	assert.NotEqual(t, fault, own, "flapping: an incident of its own")
	assert.Equal(t, uint64(1), e.Stats().FlapDetached)
	inc := e.incidents[fault]
	require.NotNil(t, inc)
	assert.Len(t, inc.members, 2)
	assert.NotContains(t, inc.services, "frontend")
	// frontend-proxy calls frontend: the flapping alert explains nothing.
	at = at.Add(5 * time.Second)
	r := e.Ingest(firing("frontend-proxy", "HighLatency", at), at)
	assert.NotEqual(t, own, r.IncidentID)
}

// flapFour resolves and fires flap again twice, 30 s apart, advancing e
// after each, and returns the last instant: enough for the test
// configuration's flap.threshold.
func flapFour(e *Engine, flap Alert) time.Time {
	at := flap.StartsAt
	for i := range 4 {
		at = at.Add(30 * time.Second)
		a := flap
		if i%2 == 0 {
			a.State = "resolved"
		} else {
			a.StartsAt = at
		}
		e.Ingest(a, at)
		e.Advance(at)
	}
	return at
}

// TestRefiredAlertHoldsItsResolution: an alert whose off periods outlast
// resolve_hold ends its incident once; after it fired again, its next
// resolution waits flap.hold, so its later firings stay in that incident
// (not one incident per firing until it is found flapping), which never
// pages (repage.go: each firing is shorter than the off period before
// it), and a steady resolution closes it.
func TestRefiredAlertHoldsItsResolution(t *testing.T) {
	cfg := testConfig()
	cfg.GroupWait, cfg.ResolveHold = 0, 10*time.Second
	e := New(cfg, demoGraph(t))
	at := t0
	var pages, resolutions int
	advance := func(now time.Time) {
		for _, ev := range e.Advance(now) {
			switch ev.State {
			case alertconv.IncidentOpen:
				pages++
			case alertconv.IncidentResolved:
				resolutions++
			}
		}
	}
	for i := range 3 {
		e.Ingest(firing("email", "EmailQueue", at), at)
		advance(at)
		at = at.Add(15 * time.Second)
		e.Ingest(resolved("email", "EmailQueue", at), at)
		advance(at)
		at = at.Add(20 * time.Second) // longer off than resolve_hold
		advance(at)
		if i == 0 {
			assert.Equal(t, 1, resolutions, "the first resolution holds resolve_hold")
		}
	}
	fp := firing("email", "EmailQueue", at).Fingerprint
	assert.Equal(t, 1, pages, "one page, before the first re-fire")
	assert.Equal(t, 1, resolutions)
	assert.NotEmpty(t, e.IncidentOf(fp), "the re-fired alert's incident is open")
	advance(at.Add(cfg.Flap.Hold))
	assert.Equal(t, 1, resolutions, "never paged: nothing to resolve")
	assert.Empty(t, e.IncidentOf(fp), "stable for flap.hold: closed")
}

// TestFlappingLeaderLeavesItsSymptomsToTheirCause: checkout calls both
// currency, whose alert flaps, and payment, which fails. checkout's alert
// joins currency's incident (the more recently active of the two it
// relates to); once currency is found flapping and leaves, checkout's
// alert, explained by nothing left in that incident, goes to payment's.
func TestFlappingLeaderLeavesItsSymptomsToTheirCause(t *testing.T) {
	cfg := testConfig()
	cfg.ResolveHold = 10 * time.Second
	e := New(cfg, demoGraph(t))
	pay := firing("payment", "slo-burn-a", t0)
	e.Ingest(pay, t0)
	flap := firing("currency", "probe-7", t0.Add(5*time.Second))
	e.Ingest(flap, flap.StartsAt)
	co := firing("checkout", "slo-burn-b", t0.Add(10*time.Second))
	e.Ingest(co, co.StartsAt)
	require.Equal(t, e.IncidentOf(flap.Fingerprint), e.IncidentOf(co.Fingerprint), "joined the flapping alert's incident")
	require.NotEqual(t, e.IncidentOf(pay.Fingerprint), e.IncidentOf(co.Fingerprint))
	flapFour(e, flap)
	require.Equal(t, uint64(1), e.Stats().FlapDetached)
	assert.NotEqual(t, e.IncidentOf(flap.Fingerprint), e.IncidentOf(co.Fingerprint))
	assert.Equal(t, e.IncidentOf(pay.Fingerprint), e.IncidentOf(co.Fingerprint), "checkout's alert goes to its cause")
}
