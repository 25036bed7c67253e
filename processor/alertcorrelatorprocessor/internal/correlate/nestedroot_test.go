package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestNewerNestedRootKeptApart: frontend calls compose, which calls
// storage. Storage fails on its own and alerts; 15 s later compose
// alerts, its calls into storage failing. Where compose's spans also fail
// with no failing call beneath them (errors of its own, as many as its
// failing calls, so Unexplained reads it a caller), its alert is a second
// problem and stays out of storage's incident; where they do not, it is
// storage's symptom and joins it. Where compose's own errors began only
// after its alert fired, or compose already alerted before storage, its
// alert stays storage's.
func TestNewerNestedRootKeptApart(t *testing.T) {
	odd := func(k uint64) bool { return k%2 == 1 }
	for _, tt := range []struct {
		name  string
		own   bool // compose fails on its own
		late  bool // ... only from after its alert fired
		apart bool
	}{
		{"compose fails on its own too", true, false, true},
		{"compose's failures are storage's", false, false, false},
		{"compose's own errors begin after its alert", true, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := topology.New(topology.Config{})
			g.AddStatic(map[string][]string{"frontend": {"compose"}, "compose": {"storage"}})
			tr := evidence.New(evidence.Config{})
			cfg := testConfig()
			cfg.Evidence, cfg.OnsetWindow = tr, 30*time.Second
			e := New(cfg, g)
			now := t0.Add(10 * time.Minute)
			observe(tr, []string{"frontend", "compose"}, now.Add(-time.Minute), 0, nil)
			observe(tr, []string{"compose", "storage"}, now.Add(-time.Minute), 500, nil)
			observe(tr, []string{"compose", "storage"}, now, 1000, odd)
			sto, co := now.Add(-40*time.Second), now.Add(-25*time.Second)
			switch {
			case tt.own && tt.late:
				observeFrom(tr, []string{"frontend", "compose"}, now, 2000, odd, co.Add(10*time.Second))
			case tt.own:
				observe(tr, []string{"frontend", "compose"}, now, 2000, odd)
			default:
				observe(tr, []string{"frontend", "compose"}, now, 2000, nil)
			}
			e.Ingest(firing("storage", "Errors", sto), sto)
			e.Ingest(firing("compose", "Errors", co), co)
			for i := 1; i <= 3; i++ {
				e.Advance(now.Add(time.Duration(i) * time.Second))
			}
			stoInc := e.IncidentOf(firing("storage", "Errors", sto).Fingerprint)
			coInc := e.IncidentOf(firing("compose", "Errors", co).Fingerprint)
			assert.Equal(t, tt.apart, stoInc != coInc, "storage in %s, compose in %s", stoInc, coInc)
		})
	}
}

// observeFrom is observe, with fail applied only to the traces at or
// after from.
func observeFrom(tr *evidence.Tracker, chain []string, end time.Time, offset uint64, fail func(uint64) bool, from time.Time) {
	for i := range 60 {
		at := end.Add(time.Duration(i-60) * time.Second)
		f := fail
		if at.Before(from) {
			f = nil
		}
		observe1(tr, chain, at, offset+uint64(2*i), f)
	}
}

// observe1 feeds one second's two requests down chain, ending at at.
func observe1(tr *evidence.Tracker, chain []string, at time.Time, offset uint64, fail func(uint64) bool) {
	tr.Observe(alertscenario.ChainTraces(chain, 2, offset, at, fail), at)
}
