package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestBurstKeepsAFaultsDirectCaller: payment alerts, then three services
// the graph does not connect to it or to each other (a concurrent storm's
// roots, a maintenance window), then checkout, a direct caller of payment:
// its onset falls in a burst. With spans showing checkout's calls failing
// (not quiet) it joins payment's incident as its symptom; without spans,
// or with checkout's own traffic healthy while payment fails for another
// caller, the burst keeps it apart.
func TestBurstKeepsAFaultsDirectCaller(t *testing.T) {
	g := checkoutBurstGraph()
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name     string
		traces   bool
		checkout func(uint64) bool // checkout -> payment calls failing
		together bool
	}{
		{"alerts only", false, nil, false},
		{"traces, checkout's calls failing", true, odd, true},
		{"traces, checkout quiet", true, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			now := t0.Add(10 * time.Minute)
			if tt.traces {
				tr := evidence.New(evidence.Config{})
				observe(tr, []string{"checkout", "payment"}, now.Add(-time.Minute), 0, nil)
				observe(tr, []string{"web", "payment"}, now.Add(-time.Minute), 500, nil)
				observe(tr, []string{"checkout", "payment"}, now, 1000, tt.checkout)
				observe(tr, []string{"web", "payment"}, now, 1500, odd)
				cfg.Evidence = tr
			}
			e := New(cfg, g)
			root := e.Ingest(firing("payment", "HighErrorRate", now), now)
			at, _ := burstOfThree(e, now)
			at = at.Add(2 * time.Second)
			sym := e.Ingest(firing("checkout", "HighErrorRate", at), at)
			assert.Equal(t, tt.together, root.IncidentID == sym.IncidentID)
			_, incidents := e.Sizes()
			want := 5
			if tt.together {
				want = 4
			}
			assert.Equal(t, want, incidents, "a1-a3 stay apart")
		})
	}
}

// TestBurstCountsAJoinedCallersOnset: payment alerts 40 s before a burst
// (a1-a3, then checkout, its direct caller, whose calls fail: it joins
// payment's incident), then z, a service the spans show quiet that calls
// a1. checkout's onset still counts in the burst, so z's onset falls in
// one (four groups: a1 with z, a2, a3, checkout) and z stays apart from
// a1's incident; counted as not there, the window held three groups and z
// joined a1 by coincidence.
func TestBurstCountsAJoinedCallersOnset(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{
		"checkout": {"payment"}, "z": {"a1"},
		"a1": {"x1"}, "a2": {"x2"}, "a3": {"x3"},
	})
	odd := func(k uint64) bool { return k%2 == 1 }
	cfg := burstConfig()
	now := t0.Add(10 * time.Minute)
	tr := evidence.New(evidence.Config{})
	observe(tr, []string{"checkout", "payment"}, now.Add(-time.Minute), 0, nil)
	observe(tr, []string{"z", "w"}, now.Add(-time.Minute), 500, nil)
	observe(tr, []string{"checkout", "payment"}, now.Add(40*time.Second), 1000, odd)
	observe(tr, []string{"z", "w"}, now.Add(40*time.Second), 1500, nil)
	cfg.Evidence = tr
	e := New(cfg, g)
	root := e.Ingest(firing("payment", "HighErrorRate", now), now)
	at, a1 := burstOfThree(e, now.Add(30*time.Second))
	at = at.Add(2 * time.Second)
	sym := e.Ingest(firing("checkout", "HighErrorRate", at), at)
	assert.Equal(t, root.IncidentID, sym.IncidentID, "checkout joins payment")
	at = at.Add(2 * time.Second)
	z := e.Ingest(firing("z", "TargetDown", at), at)
	assert.NotEqual(t, a1.IncidentID, z.IncidentID, "z in a burst")
}

// TestBurstKeepsADeeperRoot: checkout alerts, then three services the
// graph does not connect to it, then payment, which checkout calls: its
// onset falls in a burst. With spans showing payment failing (not quiet)
// it takes checkout's incident over as its deeper root; with payment's
// spans healthy the burst keeps it apart.
func TestBurstKeepsADeeperRoot(t *testing.T) {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{
		"checkout": {"payment"}, "a1": {"x1"}, "a2": {"x2"}, "a3": {"x3"},
	})
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name     string
		fail     func(uint64) bool
		together bool
	}{
		{"payment failing", odd, true},
		{"payment quiet", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := burstConfig()
			now := t0.Add(10 * time.Minute)
			tr := evidence.New(evidence.Config{})
			observe(tr, []string{"checkout", "payment"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"checkout", "payment"}, now, 1000, tt.fail)
			cfg.Evidence = tr
			e := New(cfg, g)
			caller := e.Ingest(firing("checkout", "HighErrorRate", now), now)
			at, _ := burstOfThree(e, now)
			at = at.Add(2 * time.Second)
			root := e.Ingest(firing("payment", "HighErrorRate", at), at)
			assert.Equal(t, tt.together, caller.IncidentID == root.IncidentID)
		})
	}
}

// burstOfThree fires TargetDown on the unconnected a1, a2 and a3, one a
// second after at, and returns the last one's time and a1's result.
func burstOfThree(e *Engine, at time.Time) (time.Time, Result) {
	var first Result
	for i, svc := range []string{"a1", "a2", "a3"} {
		at = at.Add(time.Second)
		r := e.Ingest(firing(svc, "TargetDown", at), at)
		if i == 0 {
			first = r
		}
	}
	return at, first
}

// checkoutBurstGraph: web calls checkout and payment, checkout calls
// payment, and three services a1-a3 (each with its own callee) that
// nothing connects to them or to each other: a burst's other roots.
func checkoutBurstGraph() *topology.Graph {
	g := topology.New(topology.Config{})
	g.AddStatic(map[string][]string{
		"web": {"checkout", "payment"}, "checkout": {"payment"},
		"a1": {"x1"}, "a2": {"x2"}, "a3": {"x3"},
	})
	return g
}
