package correlate

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/topology"
)

// hubGraph: nine services call a shared hub; x calls a1 and y calls a2.
func hubGraph() *topology.Graph {
	services := map[string][]string{"x": {"a1"}, "y": {"a2"}}
	for _, a := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"} {
		services[a] = []string{"hub"}
	}
	return staticGraph(services)
}

// opened returns the root service and services of each page opened by
// now, by root.
func opened(e *Engine, now time.Time) map[string][]string {
	out := map[string][]string{}
	for _, ev := range e.Advance(now) {
		if ev.State == alertconv.IncidentOpen {
			out[ev.Incident.RootService] = slices.Sorted(slices.Values(ev.Incident.Services))
		}
	}
	return out
}

// An alert on a hub most of whose callers are quiet takes over no
// incident: two faults on two of its callers stay two pages, each with
// its own root, and the hub's alert pages alone.
func TestHubAlertTakesOverNoIncident(t *testing.T) {
	e := New(testConfig(), hubGraph())
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	e.Ingest(firing("a1", "HighErrorRate", at(0)), at(0))
	e.Ingest(firing("x", "HighErrorRate", at(5*time.Second)), at(5*time.Second))
	e.Ingest(firing("a2", "HighErrorRate", at(8*time.Second)), at(8*time.Second))
	e.Ingest(firing("y", "HighErrorRate", at(12*time.Second)), at(12*time.Second))
	e.Ingest(firing("hub", "HighErrorRate", at(20*time.Second)), at(20*time.Second))
	pages := opened(e, at(time.Minute))
	assert.Equal(t, map[string][]string{
		"a1":  {"a1", "x"},
		"a2":  {"a2", "y"},
		"hub": {"hub"},
	}, pages)
}

// A dependency alerting amid a retry storm, before most of its callers,
// takes over the incident of the caller that alerted first once enough of
// its callers alert: one page, the dependency its root.
func TestHeldTakeOverWaitsForCallers(t *testing.T) {
	heldTakeOver(t, "c1", "d", false)
}

// A held take-over survives a restart: restored from the saved state
// between the dependency's alert and its callers', the engine still lets
// it take the callers' incident over once they alert.
func TestHeldTakeOverSurvivesRestore(t *testing.T) {
	heldTakeOver(t, "c1", "d", true)
}

// heldTakeOver: on sevenCallers, first and second (d and c1, in either
// order) alert 5 s apart, then c2 and c3; restarted after the first two
// when restart is set. One page, d its root, holds them all.
func heldTakeOver(t *testing.T, first, second string, restart bool) {
	cfg := testConfig()
	e := New(cfg, sevenCallers())
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	rule := map[string]string{"d": "ServiceDown", "c1": "HighErrorRate"}
	e.Ingest(firing(first, rule[first], at(0)), at(0))
	e.Ingest(firing(second, rule[second], at(5*time.Second)), at(5*time.Second))
	if restart {
		e = restarted(t, e, cfg, sevenCallers())
	}
	e.Ingest(firing("c2", "HighErrorRate", at(10*time.Second)), at(10*time.Second))
	e.Ingest(firing("c3", "HighErrorRate", at(12*time.Second)), at(12*time.Second))
	pages := opened(e, at(time.Minute))
	require.Len(t, pages, 1, "%v", pages)
	assert.Equal(t, []string{"c1", "c2", "c3", "d"}, pages["d"])
}

// A hub's alert, most of whose callers are quiet, opens first (an
// unrelated alert on a shared dependency); its caller a1 and a1's caller
// x alert after it. The hub does not root their page: before the
// twentieth pass a1 joined the hub's incident and the ranking put a1
// first (rank.go); since it, a1, whose only relation is the hub's held
// alert, joins it no more (heldcause.go) and pages with x, the hub alone.
func TestHubAlertFirstRootsNoCallersPage(t *testing.T) {
	e := New(testConfig(), hubGraph())
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	e.Ingest(firing("hub", "HighErrorRate", at(0)), at(0))
	e.Ingest(firing("a1", "HighErrorRate", at(5*time.Second)), at(5*time.Second))
	e.Ingest(firing("x", "HighErrorRate", at(8*time.Second)), at(8*time.Second))
	events := e.Advance(at(time.Minute))
	require.Len(t, events, 2)
	for _, ev := range events {
		if ev.Incident.RootService != "hub" {
			assert.Equal(t, "a1", ev.Incident.RootService)
			assert.Equal(t, []string{"a1", "x"}, ev.Incident.Ranking)
		}
	}
}
