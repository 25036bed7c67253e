package logbudgetprocessor

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
)

// burstLoad drives h for secs simulated seconds in steps of 100 ms: info
// INFO records per step over 20 templates, plus, while burst(s, step) says
// so, errs ERROR records in the step with the given body. It returns the
// number of ERROR records sent.
func burstLoad(t *testing.T, h *harness, secs, info int, burst func(s, step int) (errs int, body string)) int {
	t.Helper()
	sent := 0
	for s := range secs {
		for step := range 10 {
			var recs []rec
			for i := range info {
				recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo,
					body: fmt.Sprintf("request kind-%d served item %d in %d ms", (i+step)%20, s*100+i, i), ts: h.clock.now})
			}
			n, body := burst(s, step)
			for i := range n {
				recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberError,
					body: fmt.Sprintf("payment %d failed: %s", s*1000+step*10+i, body), ts: h.clock.now})
			}
			sent += n
			h.send(t, logs(recs...))
			h.clock.Advance(100 * time.Millisecond)
		}
	}
	return sent
}

// outTotals counts what left: records, bytes, ERROR records.
func outTotals(h *harness) (recs, bytes, errs int) {
	var sizer plog.ProtoMarshaler
	for _, lr := range h.records() {
		recs++
		bytes += sizer.LogRecordSize(lr)
		if lr.SeverityNumber() >= plog.SeverityNumberError {
			errs++
		}
	}
	return recs, bytes, errs
}

// A burst of ERROR records above the budget: every one is kept, its cost is
// charged as debt that the key's INFO records pay back, and over the
// simulated ten minutes the key's output stays within 1% above and 6% below
// its budget (the sampler aims at 95% of what the floor leaves). Nothing is
// reported over budget: the debt was paid within debt_window.
func TestBudgetHoldsThroughErrorBurst(t *testing.T) {
	const secs = 600
	for _, tc := range []struct {
		name   string
		budget BudgetConfig
		info   int                // INFO records per 100 ms
		errs   func(step int) int // ERROR records in a 100 ms step of the burst
		body   string
		// budget over the run, in the unit of out
		limit float64
		out   func(recs, bytes int) float64
	}{
		{
			name:   "records_per_second",
			budget: BudgetConfig{RecordsPerSecond: 100},
			// 500/s INFO; 300/s ERROR for 20 s: 4000 records of debt
			info: 50, errs: func(int) int { return 30 }, body: "card declined",
			limit: 100*secs + 100,
			out:   func(recs, _ int) float64 { return float64(recs) },
		},
		{
			// one ERROR record a second for 20 s, each carrying a 32 KB
			// stack trace, more than the bucket holds (20 KB): charged in
			// full all the same, 240 KB of debt
			name:   "bytes_per_second",
			budget: BudgetConfig{BytesPerSecond: 20_000},
			info:   50, body: strings.Repeat("at com.example.Service.call(Service.java:42) ", 700),
			errs: func(step int) int {
				if step == 0 {
					return 1
				}
				return 0
			},
			limit: 20_000*secs + 20_000,
			out:   func(_, bytes int) float64 { return float64(bytes) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.Budget = tc.budget
				c.Dedup.Enabled = false
			})
			errs := burstLoad(t, h, secs, tc.info, func(s, step int) (int, string) {
				if s >= 120 && s < 140 {
					return tc.errs(step), tc.body
				}
				return 0, ""
			})
			recs, bytes, errsOut := outTotals(h)
			out := tc.out(recs, bytes)
			assert.Equal(t, errs, errsOut, "every ERROR kept")
			assert.LessOrEqual(t, out, tc.limit*1.01, "held over the window")
			assert.GreaterOrEqual(t, out, tc.limit*0.94)
			assert.Zero(t, h.metric(t, "processor_log_budget_over_budget_records")+h.metric(t, "processor_log_budget_over_budget_bytes"))
			// the burst alone exceeded the budget for a while: borrowed
			assert.Positive(t, h.metric(t, "processor_log_budget_debt_records")+h.metric(t, "processor_log_budget_debt_bytes"))
			t.Logf("out %.0f for a budget of %.0f (%+.2f%%), %d ERROR records kept", out, tc.limit, 100*(out-tc.limit)/tc.limit, errs)
		})
	}
}

// The same burst against daily budgets (bytes, and money converted to
// bytes) over a simulated day: the burst is charged to the rolling window,
// the INFO records give way, and the day's output ends within 1% above and
// 5% below the limit.
func TestDailyBudgetHoldsThroughErrorBurst(t *testing.T) {
	const limit = 6_000_000
	for _, money := range []bool{false, true} {
		t.Run(fmt.Sprintf("money=%v", money), func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.Dedup.Enabled = false
				if money {
					c.PricePerGB = 0.5
					c.Budget.MoneyPerDay = 0.003 // 6 MB at $0.50/GB
				} else {
					c.Budget.BytesPerDay = limit
				}
			})
			errs := 0
			trace := strings.Repeat("at com.example.Service.call(Service.java:42) ", 20)
			for s := 0; s < 86400; s += 10 {
				var recs []rec
				for i := range 20 {
					recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo,
						body: fmt.Sprintf("GET /api/v1/items/%d?page=%d returned 200 in %dms", s+i, i, i), ts: h.clock.now})
				}
				if s >= 3*3600 && s < 4*3600 {
					// an hour of errors: ~1.4 MB, a quarter of the day's budget
					recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberError, body: fmt.Sprintf("job %d failed: %s", s, trace), ts: h.clock.now})
					errs++
				}
				h.send(t, logs(recs...))
				h.clock.Advance(10 * time.Second)
			}
			_, bytes, errsOut := outTotals(h)
			assert.Equal(t, errs, errsOut, "every ERROR kept")
			assert.LessOrEqual(t, float64(bytes), limit*1.01)
			assert.GreaterOrEqual(t, float64(bytes), limit*0.95)
			assert.Zero(t, h.metric(t, "processor_log_budget_over_budget_bytes"))
			t.Logf("out %d for a daily budget of %d (%+.2f%%), %d ERROR records kept", bytes, limit, 100*float64(bytes-limit)/limit, errs)
		})
	}
}

// When the floor alone exceeds the budget for longer than debt_window can
// carry, every ERROR record is still kept, the INFO records are shed, and
// what the budget could not absorb is counted: the key's output equals its
// budget plus the over-budget counter (plus the debt still open at the end).
func TestFloorAloneOverBudgetIsReported(t *testing.T) {
	t.Run("records_per_second", func(t *testing.T) {
		h := newHarness(t, func(c *Config) {
			c.Budget.RecordsPerSecond = 100
			c.DebtWindow = 10 * time.Second
			c.Dedup.Enabled = false
		})
		const secs = 120
		// 200/s ERROR for the first minute, twice the budget; then INFO only
		errs := burstLoad(t, h, secs, 50, func(s, _ int) (int, string) {
			if s < 60 {
				return 20, "card declined"
			}
			return 0, ""
		})
		recs, _, errsOut := outTotals(h)
		over := h.metric(t, "processor_log_budget_over_budget_records", attribute.String("key", "a/-"), attribute.String("budget", "records_per_second"))
		assert.Equal(t, errs, errsOut, "every ERROR kept")
		// 12000 errors against 60 s x 100/s + 100 burst + 1000 debt: at
		// least 4900 over, a little more for INFO let through before the
		// bucket ran dry
		assert.GreaterOrEqual(t, over, int64(4900))
		assert.LessOrEqual(t, over, int64(5100))
		// out = budget + over budget, less what the sampler left unused
		// once the burst was over (it aims at 95%)
		budget := 100.0*secs + 100
		assert.LessOrEqual(t, float64(recs), (budget+float64(over))*1.005)
		assert.GreaterOrEqual(t, float64(recs), budget*0.97+float64(over))
		t.Logf("out %d records = budget %.0f + %d over budget (%d ERROR records kept)", recs, budget, over, errs)
	})
	t.Run("bytes_per_day", func(t *testing.T) {
		const limit = 1_000_000
		h := newHarness(t, func(c *Config) {
			c.Budget.BytesPerDay = limit
			c.Dedup.Enabled = false
		})
		// ERROR records worth twice the daily budget within an hour
		errs := 0
		for s := 0; s < 3600; s += 10 {
			var recs []rec
			for i := range 10 {
				recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("GET /items/%d ok", s+i), ts: h.clock.now})
			}
			recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberError,
				body: fmt.Sprintf("job %d failed: %s", s, strings.Repeat("x", 5500)), ts: h.clock.now})
			errs++
			h.send(t, logs(recs...))
			h.clock.Advance(10 * time.Second)
		}
		_, bytes, errsOut := outTotals(h)
		over := h.metric(t, "processor_log_budget_over_budget_bytes", attribute.String("budget", "bytes_per_day"))
		assert.Equal(t, errs, errsOut, "every ERROR kept")
		assert.Positive(t, over)
		// exactly: all of the day's output is in the rolling window
		assert.Equal(t, int64(bytes), limit+over, "out = budget + over budget")
		t.Logf("out %d bytes = daily budget %d + %d over budget", bytes, limit, over)
	})
	t.Run("keep_class_and_no_debt", func(t *testing.T) {
		h := newHarness(t, func(c *Config) {
			c.Budget.RecordsPerSecond = 10
			c.DebtWindow = 0
			c.Dedup.Enabled = false
			c.PriorityClasses = []PriorityClassConfig{{Name: "audit", Priority: "keep", Conditions: []string{`attributes["audit"] == true`}}}
		})
		var recs []rec
		for i := range 30 {
			recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("audit %d", i), ts: t0, attrs: map[string]any{"audit": true}})
		}
		h.send(t, logs(recs...))
		assert.Len(t, h.records(), 30, "every keep-class record kept")
		// the bucket held 10; with no debt allowed, the other 20 are over budget at once
		assert.Equal(t, int64(20), h.metric(t, "processor_log_budget_over_budget_records"))
		assert.Zero(t, h.metric(t, "processor_log_budget_debt_records"))
	})
}

// Charges made while in debt and refills: a bucket's tokens never go below
// the cap, and what went beyond it is returned.
func TestBucketDebt(t *testing.T) {
	b := newBucket(10, 10, 2*time.Second, t0)
	debt, over := b.charge(t0, 25) // 10 - 25 = -15, within the cap of 20
	assert.InDelta(t, 15.0, debt, 1e-9)
	assert.Zero(t, over)
	assert.InDelta(t, 15.0, b.debt(t0), 1e-9)
	debt, over = b.charge(t0, 15) // -30: 5 more debt, 10 beyond the cap
	assert.InDelta(t, 5.0, debt, 1e-9)
	assert.InDelta(t, 10.0, over, 1e-9)
	assert.InDelta(t, 20.0, b.debt(t0), 1e-9)
	assert.InDelta(t, 10.0, b.debt(t0.Add(time.Second)), 1e-9) // paid back at the rate
	assert.InDelta(t, 10.0, b.debt(t0), 1e-9, "a clock read before the last refill adds nothing")
	assert.InDelta(t, 10.0, b.at(t0.Add(10*time.Second)), 1e-9, "refills up to the burst")
}

// Many senders, keys in every shard (resource and record attributes), a key
// table and a window table far smaller than the load: the bounds hold at
// every moment, every ERROR record leaves, and every record is accounted
// once (run with -race).
func TestConcurrentBoundsAndAccounting(t *testing.T) {
	const maxKeys, maxWindows = 8, 20
	h := newHarness(t, func(c *Config) {
		c.Key.ResourceAttributes = []string{"service.name"}
		c.Key.RecordAttributes = []string{"tenant"}
		c.Key.MaxKeys = maxKeys
		c.Dedup.MaxEntries = maxWindows
		c.Budget.RecordsPerSecond = 50
		c.Annotate = true
	})
	require.NoError(t, h.p.Start(context.Background(), componenttest.NewNopHost()))
	var wg sync.WaitGroup
	var errsSent, maxSeenKeys, maxSeenWindows int64
	var mu sync.Mutex
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs := int64(0)
			for i := range 40 {
				ld := plog.NewLogs()
				for s := range 4 {
					rl := ld.ResourceLogs().AppendEmpty()
					rl.Resource().Attributes().PutStr("service.name", fmt.Sprintf("svc%d", (g+s)%5))
					lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
					for j := range 15 {
						lr := lrs.AppendEmpty()
						lr.Attributes().PutStr("tenant", fmt.Sprintf("t%d", (i+j)%3))
						lr.SetSeverityNumber(plog.SeverityNumber(1 + (i+j+g)%21))
						if lr.SeverityNumber() >= plog.SeverityNumberError {
							errs++
						}
						lr.Body().SetStr(fmt.Sprintf("worker %d finished job %d step %d", g, i, j%4))
						lr.SetTimestamp(pcommon.NewTimestampFromTime(t0))
					}
				}
				assert.NoError(t, h.p.ConsumeLogs(context.Background(), ld))
				keys, windows := heldCounts(h.p)
				mu.Lock()
				maxSeenKeys = max(maxSeenKeys, int64(keys))
				maxSeenWindows = max(maxSeenWindows, int64(windows))
				mu.Unlock()
				if i%10 == 0 {
					assert.NoError(t, h.p.tick(context.Background()))
				}
			}
			mu.Lock()
			errsSent += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	held, _ := heldCounts(h.p)
	require.NoError(t, h.p.Shutdown(context.Background()))
	assert.LessOrEqual(t, maxSeenKeys, int64(maxKeys))
	assert.LessOrEqual(t, maxSeenWindows, int64(maxWindows))
	assert.Equal(t, int64(held), h.p.keyCount.Load(), "the shared count is the sum of the shards")
	assert.Zero(t, h.p.windowCount.Load(), "every window closed on shutdown")
	assert.Positive(t, h.metric(t, "processor_log_budget_records_in", attribute.String("key", overflowKey)), "15 keys for 8 slots")

	in := h.metric(t, "processor_log_budget_records_in")
	out := h.metric(t, "processor_log_budget_records_out")
	summaries := h.metric(t, "processor_log_budget_summaries")
	dropped := h.metric(t, "processor_log_budget_records_dropped")
	assert.Equal(t, int64(6*40*4*15), in)
	assert.Equal(t, in, out-summaries+dropped)
	recs, bytes, errsOut := outTotals(h)
	assert.Equal(t, out, int64(recs))
	assert.Equal(t, int64(bytes), h.metric(t, "processor_log_budget_bytes_out"))
	assert.Equal(t, errsSent, int64(errsOut), "every ERROR leaves")
}

// heldCounts sums the keys and open windows the shards hold, with every
// shard locked at once (in index order: the processor holds at most one
// shard lock and never waits for a second, so this cannot deadlock).
func heldCounts(p *logBudgetProcessor) (keys, windows int) {
	for _, sh := range p.shards {
		sh.mu.Lock()
	}
	for _, sh := range p.shards {
		keys += sh.keys.Len()
		if sh.dedup != nil {
			windows += sh.dedup.Len()
		}
	}
	for _, sh := range p.shards {
		sh.mu.Unlock()
	}
	return keys, windows
}

// A full key table frees the slot of a key idle for a day wherever it is:
// in the new key's shard or in another one.
func TestIdleKeyEvictedFromAnyShard(t *testing.T) {
	for _, sameShard := range []bool{true, false} {
		t.Run(fmt.Sprintf("same_shard=%v", sameShard), func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.Key.MaxKeys = 1
				c.Key.ResourceAttributes = []string{"service.name"}
				c.Dedup.Enabled = false
			})
			c := &call{}
			shardOfSvc := func(svc string) *shard {
				m := pcommon.NewMap()
				m.PutStr("service.name", svc)
				return h.p.shards[h.p.shardOf(h.p.hashAttrs(c, m, h.p.cfg.Key.ResourceAttributes, 0))]
			}
			newcomer := ""
			for i := 0; newcomer == ""; i++ {
				if cand := fmt.Sprintf("svc%d", i); (shardOfSvc(cand) == shardOfSvc("old")) == sameShard && cand != "old" {
					newcomer = cand
				}
			}
			h.send(t, logs(rec{svc: "old", sev: plog.SeverityNumberInfo, body: "x", ts: t0}))
			h.send(t, logs(rec{svc: newcomer, sev: plog.SeverityNumberInfo, body: "x", ts: t0}))
			assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_in", attribute.String("key", overflowKey)), "table full")
			h.clock.Advance(25 * time.Hour)
			h.send(t, logs(rec{svc: newcomer, sev: plog.SeverityNumberInfo, body: "x", ts: h.clock.now}))
			assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_in", attribute.String("key", newcomer)))
			assert.Equal(t, int64(1), h.p.keyCount.Load())
		})
	}
}
