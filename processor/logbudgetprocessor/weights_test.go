package logbudgetprocessor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
)

// TestWeightsAddUpPerKey sends realistic logs from several services through
// budgets tight enough that sampling, budget and dedup all drop, with a
// severity floor: per key (service), the events the kept records stand for
// add up to the records sent within 2%.
func TestWeightsAddUpPerKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		// per (key, template, severity) the weights are within this of the
		// records in; 0: not checked (sampling's estimate of a small
		// template varies from run to run, unbiased but not within 2%)
		groupTol float64
	}{
		{"sampling+budget+dedup+floor", func(c *Config) { c.Budget.BytesPerSecond = 20_000 }, 0.02},
		{"budget only", func(c *Config) {
			c.Budget.BytesPerSecond = 5_000
			c.Sampling.Enabled = false
			c.Dedup.Enabled = false
		}, 0.02},
		{"sampling+budget, no dedup", func(c *Config) {
			c.Budget.RecordsPerSecond = 200
			c.Dedup.Enabled = false
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.mutate)
			gen := workload.NewLogGenerator(workload.LogOptions{Seed: 3, Services: 4, Start: h.clock.now})
			sent := map[string]float64{}
			groups := newTemplateGroups()
			for range 120 { // two minutes, 1,000 records a second
				ld := gen.Batch(1000)
				countByService(ld, sent)
				groups.add(ld, false)
				h.send(t, ld)
				h.clock.Advance(time.Second)
			}
			require.NoError(t, h.p.Shutdown(context.Background()))
			got := map[string]float64{}
			kept, dropped := 0, 0.0
			for _, ld := range h.sink.AllLogs() {
				groups.add(ld, true)
				forEachRecord(ld, func(svc string, lr plog.LogRecord) {
					got[svc] += weight(lr) // count x adjusted_count
					kept++
				})
			}
			for svc, n := range sent {
				dropped += n
				assert.InEpsilon(t, n, got[svc], 0.02, "key %s: weights %.0f for %.0f records", svc, got[svc], n)
			}
			t.Logf("kept %d of %.0f records; per key sent %v, weights %v", kept, dropped, sent, got)
			missing, worst := groups.compare()
			t.Logf("groups (key, template, severity) %d, missing %d, worst off by %.1f%%", len(groups.in), missing, 100*worst)
			assert.Zero(t, missing, "every template represented")
			if tc.groupTol > 0 {
				assert.LessOrEqual(t, worst, tc.groupTol, "every template's weights within %.0f%% of its records", 100*tc.groupTol)
			}
			assert.Less(t, float64(kept), dropped*0.7, "the budget must drop most records for the test to mean anything")
		})
	}
}

// templateGroups counts records in and weights out per (key, template,
// severity), templates named by an independent tree.
type templateGroups struct {
	tree    *drain.Tree
	in, out map[groupKey]float64
}

func newTemplateGroups() *templateGroups {
	return &templateGroups{tree: drain.New(drain.Settings{}), in: map[groupKey]float64{}, out: map[groupKey]float64{}}
}

func (g *templateGroups) add(ld plog.Logs, out bool) {
	forEachRecord(ld, func(svc string, lr plog.LogRecord) {
		k := groupKey{key: svc, sev: lr.SeverityNumber()}
		if b := lr.Body(); b.Type() == pcommon.ValueTypeStr && b.Str() != "" {
			k.tmpl = g.tree.Add(b.Str()).Seq()
		}
		if out {
			g.out[k] += weight(lr)
		} else {
			g.in[k]++
		}
	})
}

// compare returns the groups missing from the output and the largest
// relative difference between a group's weights out and its records in.
func (g *templateGroups) compare() (missing int, worst float64) {
	for k, n := range g.in {
		if g.out[k] == 0 {
			missing++
			continue
		}
		worst = max(worst, abs(g.out[k]-n)/n)
	}
	return missing, worst
}

func countByService(ld plog.Logs, into map[string]float64) {
	forEachRecord(ld, func(svc string, _ plog.LogRecord) { into[svc]++ })
}

func forEachRecord(ld plog.Logs, f func(svc string, lr plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		svc, _ := rl.Resource().Attributes().Get("service.name")
		name := fmt.Sprint(svc.AsString())
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			lrs := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(name, lrs.At(k))
			}
		}
	}
}

func TestSummaryLine(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Budget.BytesPerSecond = 5_000 })
	gen := workload.NewLogGenerator(workload.LogOptions{Seed: 3, Services: 2, Start: h.clock.now})
	for range 10 {
		h.send(t, gen.Batch(1000))
		h.clock.Advance(time.Second)
	}
	require.NoError(t, h.p.tick(context.Background()))
	line := h.p.summaryLine(time.Minute)
	kept, summaries := 0, 0
	for _, lr := range h.records() {
		if _, ok := lr.Attributes().Get(AttrCount); ok {
			summaries++
		} else {
			kept++
		}
	}
	assert.Regexp(t, `^log_budget: 10,000 records in 1m; kept [\d,]+ \(\d+%\), dropped [\d,]+ \((sample|budget|dedup) [\d,]+(, (budget|dedup) [\d,]+)*\), [\d,]+ dedup summaries$`, line)
	assert.Contains(t, line, fmt.Sprintf("kept %s (", thousands(int64(kept))))
	assert.Contains(t, line, fmt.Sprintf(", %s dedup summaries", thousands(int64(summaries))))
	assert.Equal(t, "log_budget: 0 records in 1m; kept 0 (0%), dropped 0, 0 dedup summaries", h.p.summaryLine(time.Minute))
	assert.Equal(t, "12,408", thousands(12408))
}
