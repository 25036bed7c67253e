package logbudgetprocessor

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/metadatatest"
)

var t0 = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

type harness struct {
	p     *logBudgetProcessor
	sink  *consumertest.LogsSink
	tel   *componenttest.Telemetry
	clock *fakeClock
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	h := &harness{sink: new(consumertest.LogsSink), tel: componenttest.NewTelemetry(), clock: &fakeClock{now: t0}}
	p, err := newProcessor(metadatatest.NewSettings(h.tel), cfg, h.sink, h.clock.Now)
	require.NoError(t, err)
	h.p = p
	t.Cleanup(func() {
		require.NoError(t, h.tel.Shutdown(context.Background()))
	})
	return h
}

func (h *harness) send(t *testing.T, ld plog.Logs) {
	t.Helper()
	require.NoError(t, h.p.ConsumeLogs(context.Background(), ld))
}

// records returns every record received by the sink, in order.
func (h *harness) records() []plog.LogRecord {
	var out []plog.LogRecord
	for _, ld := range h.sink.AllLogs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				lrs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					out = append(out, lrs.At(k))
				}
			}
		}
	}
	return out
}

func (h *harness) metric(t *testing.T, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	m, err := h.tel.GetMetric("otelcol_" + name)
	if err != nil {
		return 0
	}
	want := attribute.NewSet(attrs...)
	var sum int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		ok := true
		for _, kv := range want.ToSlice() {
			if v, has := dp.Attributes.Value(kv.Key); !has || v != kv.Value {
				ok = false
			}
		}
		if ok {
			sum += dp.Value
		}
	}
	return sum
}

type rec struct {
	svc, env string
	sev      plog.SeverityNumber
	body     string
	ts       time.Time
	attrs    map[string]any
	traceID  pcommon.TraceID
}

func logs(recs ...rec) plog.Logs {
	ld := plog.NewLogs()
	for _, r := range recs {
		rl := ld.ResourceLogs().AppendEmpty()
		if r.svc != "" {
			rl.Resource().Attributes().PutStr("service.name", r.svc)
		}
		if r.env != "" {
			rl.Resource().Attributes().PutStr("deployment.environment.name", r.env)
		}
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName("test")
		lr := sl.LogRecords().AppendEmpty()
		lr.SetSeverityNumber(r.sev)
		lr.Body().SetStr(r.body)
		lr.SetTimestamp(pcommon.NewTimestampFromTime(r.ts))
		lr.SetTraceID(r.traceID)
		if r.attrs != nil {
			_ = lr.Attributes().FromRaw(r.attrs)
		}
	}
	return ld
}

func attrStr(lr plog.LogRecord, k string) string {
	v, ok := lr.Attributes().Get(k)
	if !ok {
		return ""
	}
	return v.AsString()
}

func TestPassThroughWithoutBudget(t *testing.T) {
	h := newHarness(t, nil)
	h.send(t, logs(
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "started worker pool", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "listening on port 8080", ts: t0},
		rec{svc: "b", sev: plog.SeverityNumberDebug, body: "cache warm", ts: t0},
	))
	got := h.records()
	require.Len(t, got, 3)
	assert.Equal(t, "started worker pool", got[0].Body().Str())
	assert.Equal(t, 0, got[0].Attributes().Len(), "no annotation unless asked")
	assert.Equal(t, int64(2), h.metric(t, "processor_log_budget_records_in", attribute.String("key", "a/-")))
	assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_out", attribute.String("key", "b/-")))
}

func TestDedupSummary(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Dedup.SampleValues = 2 })
	var recs []rec
	for i := range 5 {
		recs = append(recs, rec{svc: "checkout", env: "prod", sev: plog.SeverityNumberInfo,
			body: fmt.Sprintf("user %d logged in from 10.0.0.%d", 100+i, i), ts: t0.Add(time.Duration(i) * time.Second)})
	}
	h.send(t, logs(recs...))
	got := h.records()
	require.Len(t, got, 1, "first record passes, repeats wait for the window")
	assert.Equal(t, "user 100 logged in from 10.0.0.0", got[0].Body().Str())

	h.clock.Advance(9 * time.Second)
	require.NoError(t, h.p.tick(context.Background()))
	require.Len(t, h.records(), 1, "window still open")

	h.clock.Advance(time.Second)
	require.NoError(t, h.p.tick(context.Background()))
	got = h.records()
	require.Len(t, got, 2)
	s := got[1]
	assert.Equal(t, "user 101 logged in from 10.0.0.1", s.Body().Str(), "body of the first collapsed record")
	assert.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Second)), s.Timestamp(), "first event time")
	assert.Equal(t, "4", attrStr(s, AttrCount))
	assert.Equal(t, "user <*> logged in from <*>", attrStr(s, AttrTemplate))
	assert.Len(t, attrStr(s, AttrTemplateID), 16)
	assert.Equal(t, t0.Add(4*time.Second).Format(time.RFC3339Nano), attrStr(s, AttrLastEventTime))
	sv, _ := s.Attributes().Get(AttrSampleValues)
	assert.Equal(t, []any{"101 10.0.0.1", "102 10.0.0.2"}, sv.Slice().AsRaw())
	v, _ := s.Attributes().Get(AttrCount)
	assert.Equal(t, pcommon.ValueTypeInt, v.Type())
	_, weighted := s.Attributes().Get(AttrAdjustedCount)
	assert.False(t, weighted, "no weight when nothing was sampled")

	key := attribute.String("key", "checkout/prod")
	assert.Equal(t, int64(5), h.metric(t, "processor_log_budget_records_in", key))
	assert.Equal(t, int64(2), h.metric(t, "processor_log_budget_records_out", key))
	assert.Equal(t, int64(4), h.metric(t, "processor_log_budget_records_dropped", key, attribute.String("reason", "dedup")))
	assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_summaries", key))

	// a new window starts after the old one closed
	h.send(t, logs(rec{svc: "checkout", env: "prod", sev: plog.SeverityNumberInfo, body: "user 7 logged in from 10.0.0.9", ts: h.clock.now}))
	require.Len(t, h.records(), 3)
}

func TestDedupNeverMergesSeverities(t *testing.T) {
	h := newHarness(t, nil)
	h.send(t, logs(
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "retry 1 of 3", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberWarn, body: "retry 2 of 3", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "retry 3 of 3", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberWarn, body: "retry 3 of 3", ts: t0},
	))
	require.Len(t, h.records(), 2)
	require.NoError(t, h.p.Shutdown(context.Background()))
	got := h.records()
	require.Len(t, got, 4)
	assert.Equal(t, plog.SeverityNumberInfo, got[2].SeverityNumber())
	assert.Equal(t, "1", attrStr(got[2], AttrCount))
	assert.Equal(t, plog.SeverityNumberWarn, got[3].SeverityNumber())
	assert.Equal(t, "1", attrStr(got[3], AttrCount))
}

func TestSeverityFloorNeverDroppedNorMerged(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Budget.RecordsPerSecond = 1
		c.Dedup.Enabled = false
	})
	var recs []rec
	for i := range 200 {
		recs = append(recs,
			rec{svc: "a", sev: plog.SeverityNumberError, body: "payment failed", ts: t0},
			rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("request %d ok", i), ts: t0})
	}
	for range 3 {
		h.send(t, logs(recs...))
		h.clock.Advance(time.Second)
	}
	var errs, infos int
	for _, lr := range h.records() {
		if lr.SeverityNumber() >= plog.SeverityNumberError {
			errs++
		} else {
			infos++
		}
	}
	assert.Equal(t, 600, errs, "every ERROR kept")
	assert.Equal(t, 0, infos, "errors used the whole budget")
	assert.Equal(t, int64(600), h.metric(t, "processor_log_budget_records_dropped", attribute.String("reason", "budget"))+
		h.metric(t, "processor_log_budget_records_dropped", attribute.String("reason", "sample")))

	// with dedup on, identical errors are still never merged by default
	h2 := newHarness(t, nil)
	h2.send(t, logs(recs[:20]...))
	require.NoError(t, h2.p.Shutdown(context.Background()))
	errs = 0
	for _, lr := range h2.records() {
		if lr.SeverityNumber() >= plog.SeverityNumberError {
			errs++
			assert.Empty(t, attrStr(lr, AttrCount))
		}
	}
	assert.Equal(t, 10, errs)
}

func TestDedupAboveFloorCollapsesIdenticalOnly(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Dedup.AboveFloor = true })
	h.send(t, logs(
		rec{svc: "a", sev: plog.SeverityNumberError, body: "db down: dial 10.0.0.1:5432", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberError, body: "db down: dial 10.0.0.1:5432", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberError, body: "db down: dial 10.0.0.1:5432", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberError, body: "db down: dial 10.0.0.2:5432", ts: t0},
	))
	require.NoError(t, h.p.Shutdown(context.Background()))
	got := h.records()
	require.Len(t, got, 3)
	assert.Equal(t, "db down: dial 10.0.0.2:5432", got[1].Body().Str())
	assert.Equal(t, "2", attrStr(got[2], AttrCount))
}

func TestAnnotate(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Annotate = true
		c.Dedup.Enabled = false
	})
	h.send(t, logs(
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "GET /api/users/42 200 12ms", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "GET /api/users/7 200 3ms", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "cache miss for key \"session:9\"", ts: t0},
	))
	got := h.records()
	require.Len(t, got, 3)
	assert.Equal(t, "GET <*> <*> <*>", attrStr(got[0], AttrTemplate))
	assert.Equal(t, attrStr(got[0], AttrTemplateID), attrStr(got[1], AttrTemplateID))
	assert.Equal(t, "cache miss for key <*>", attrStr(got[2], AttrTemplate))
	assert.NotEqual(t, attrStr(got[0], AttrTemplateID), attrStr(got[2], AttrTemplateID))
}

func TestNonStringAndEmptyBodiesPass(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Annotate = true
		c.Budget.RecordsPerSecond = 1000
	})
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().Body().SetEmptyMap().PutStr("msg", "hello")
	lrs.AppendEmpty().Body().SetEmptyMap().PutStr("msg", "hello")
	lrs.AppendEmpty().Body().SetStr("")
	lrs.AppendEmpty().Body().SetStr("")
	lrs.AppendEmpty().Body().SetEmptyBytes().FromRaw([]byte{0, 1, 2})
	lrs.AppendEmpty().Body().SetInt(42)
	lrs.AppendEmpty() // empty body
	h.send(t, ld)
	require.NoError(t, h.p.Shutdown(context.Background()))
	got := h.records()
	require.Len(t, got, 7, "six records pass, the repeated map body is summarized")
	assert.Equal(t, "hello", attrStr(got[0], AttrTemplate), "map bodies are templated by their message field")
	assert.Equal(t, pcommon.ValueTypeStr, got[1].Body().Type())
	assert.Empty(t, attrStr(got[1], AttrTemplate), "empty bodies are not templated")
	assert.Equal(t, []byte{0, 1, 2}, got[3].Body().Bytes().AsRaw())
	assert.Equal(t, int64(42), got[4].Body().Int())
	assert.Equal(t, pcommon.ValueTypeEmpty, got[5].Body().Type())
	assert.Equal(t, "1", attrStr(got[6], AttrCount))
	assert.Equal(t, "hello", got[6].Body().Map().AsRaw()["msg"])
}

func TestFlattenMap(t *testing.T) {
	m := pcommon.NewMap()
	require.NoError(t, m.FromRaw(map[string]any{"msg": "user 7 saved", "took": "3 ms", "a": 1, "nested": map[string]any{"x": 1}}))
	assert.Equal(t, `user 7 saved a=1 nested={"x":1} took="3 ms"`, flattenMap(m))
	assert.Empty(t, flattenMap(pcommon.NewMap()))
}

// A simulated minute at ten times the budget: output holds within 5% and the
// weights of kept records add up to the input within 3%.
func TestRecordsBudgetHoldsOverAMinute(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Budget.RecordsPerSecond = 200
		c.Dedup.Enabled = false
	})
	in := 0
	for s := range 60 {
		for b := range 10 {
			var recs []rec
			for i := range 200 {
				recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo,
					body: fmt.Sprintf("event%d happened to item %d", (i*7+s)%40, i), ts: h.clock.now})
			}
			in += len(recs)
			h.send(t, logs(recs...))
			_ = b
			h.clock.Advance(100 * time.Millisecond)
		}
	}
	out := h.records()
	budget := 200.0*60 + 200 // rate over a minute plus the burst
	assert.LessOrEqual(t, float64(len(out)), budget*1.05)
	assert.GreaterOrEqual(t, float64(len(out)), budget*0.95*0.95)
	weights := 0.0
	for _, lr := range out {
		weights += weight(lr)
	}
	assert.InEpsilon(t, float64(in), weights, 0.03, "weights %.0f vs input %d", weights, in)
	t.Logf("in %d, out %d (budget %.0f), weight sum %.0f", in, len(out), budget, weights)
}

func weight(lr plog.LogRecord) float64 {
	w := 1.0
	if v, ok := lr.Attributes().Get(AttrAdjustedCount); ok {
		w = v.Double()
	}
	if v, ok := lr.Attributes().Get(AttrCount); ok {
		w *= float64(v.Int())
	}
	return w
}

// A simulated day at twice the daily budget: bytes out over the day hold within 5%.
func TestDailyBudgetsHoldOverADay(t *testing.T) {
	for _, money := range []bool{false, true} {
		t.Run(fmt.Sprintf("money=%v", money), func(t *testing.T) {
			const limit = 6_000_000
			h := newHarness(t, func(c *Config) {
				c.Dedup.Enabled = false
				if money {
					c.PricePerGB = 0.5
					c.Budget.MoneyPerDay = 0.003 // 6 MB at $0.50/GB
				} else {
					c.Budget.BytesPerDay = limit
				}
			})
			var sizer plog.ProtoMarshaler
			var inBytes, outBytes int
			for s := 0; s < 86400; s += 10 {
				var recs []rec
				for i := range 20 {
					recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo,
						body: fmt.Sprintf("GET /api/v1/items/%d?page=%d returned 200 in %dms", s+i, i, i), ts: h.clock.now})
				}
				ld := logs(recs...)
				inBytes += sizer.LogsSize(ld) // includes resource overhead; record bytes below
				h.send(t, ld)
				h.clock.Advance(10 * time.Second)
			}
			for _, lr := range h.records() {
				outBytes += sizer.LogRecordSize(lr)
			}
			in := h.metric(t, "processor_log_budget_bytes_in")
			out := h.metric(t, "processor_log_budget_bytes_out")
			assert.Equal(t, int64(outBytes), out)
			assert.LessOrEqual(t, float64(out), limit*1.05)
			assert.GreaterOrEqual(t, float64(out), limit*0.95)
			t.Logf("record bytes in %d, out %d, limit %d", in, out, limit)
		})
	}
}

func TestBytesPerSecondBudget(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Budget.BytesPerSecond = 10_000
		c.Dedup.Enabled = false
		c.Sampling.Enabled = false
	})
	for range 30 {
		var recs []rec
		for i := range 100 {
			recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("payload %d %0100d", i, i), ts: h.clock.now})
		}
		h.send(t, logs(recs...))
		h.clock.Advance(time.Second)
	}
	out := h.metric(t, "processor_log_budget_bytes_out")
	assert.LessOrEqual(t, float64(out), 10_000*31*1.05)
	assert.GreaterOrEqual(t, float64(out), 10_000*30*0.8)
}

func TestLowerSeveritiesShedFirst(t *testing.T) {
	for _, sampling := range []bool{false, true} {
		t.Run(fmt.Sprintf("sampling=%v", sampling), func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.Budget.RecordsPerSecond = 300
				c.Dedup.Enabled = false
				c.Sampling.Enabled = sampling
			})
			sevs := []plog.SeverityNumber{plog.SeverityNumberDebug, plog.SeverityNumberInfo, plog.SeverityNumberWarn}
			for range 20 {
				var recs []rec
				for i := range 200 {
					for _, s := range sevs {
						recs = append(recs, rec{svc: "a", sev: s, body: fmt.Sprintf("%s step %d", s, i), ts: h.clock.now})
					}
				}
				h.send(t, logs(recs...))
				h.clock.Advance(time.Second)
			}
			count := map[plog.SeverityNumber]int{}
			for _, lr := range h.records() {
				count[lr.SeverityNumber()]++
			}
			t.Logf("kept per severity: %v", count)
			assert.Greater(t, count[plog.SeverityNumberWarn], count[plog.SeverityNumberInfo])
			assert.Greater(t, count[plog.SeverityNumberInfo], count[plog.SeverityNumberDebug])
		})
	}
}

func TestSamplingKeepsRareTemplates(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Budget.RecordsPerSecond = 100
		c.Dedup.Enabled = false
	})
	rare := 0
	for s := range 10 {
		var recs []rec
		for i := range 1000 {
			recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("heartbeat %d", i), ts: h.clock.now})
		}
		for i := range 5 {
			recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("rare event kind%c seen %d", 'A'+i, s), ts: h.clock.now})
			rare++
		}
		if s == 0 {
			rare = 0 // the first interval has no demand figures yet
			h.send(t, logs(recs...))
			h.sink.Reset()
		} else {
			h.send(t, logs(recs...))
		}
		h.clock.Advance(time.Second)
	}
	gotRare, rareWeight := 0, 0.0
	for _, lr := range h.records() {
		if lr.Body().Str()[:4] == "rare" {
			gotRare++
			rareWeight += weight(lr)
		}
	}
	assert.Equal(t, rare, gotRare, "rare templates kept whole")
	// Records the budget dropped are carried by the key's next kept
	// records, so the rare ones may carry more than themselves.
	assert.GreaterOrEqual(t, rareWeight, float64(rare))
}

func TestSamplingConsistentByTraceID(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Budget.RecordsPerSecond = 40
		c.Dedup.Enabled = false
	})
	// first interval: learn demand
	var warm []rec
	for i := range 1000 {
		warm = append(warm, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("span done %d", i), ts: h.clock.now})
	}
	h.send(t, logs(warm...))
	h.clock.Advance(time.Second)
	h.send(t, logs(warm...))
	h.clock.Advance(time.Second)
	h.sink.Reset()
	rng := rand.New(rand.NewPCG(1, 2))
	var recs []rec
	for i := range 500 {
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[8:], rng.Uint64())
		tid[0] = 1
		recs = append(recs,
			rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("span done %d", i), ts: h.clock.now, traceID: tid},
			rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("span done %d", i+1), ts: h.clock.now, traceID: tid})
	}
	h.send(t, logs(recs...))
	kept := map[pcommon.TraceID]int{}
	for _, lr := range h.records() {
		kept[lr.TraceID()]++
	}
	require.NotEmpty(t, kept)
	for tid, n := range kept {
		assert.Equal(t, 2, n, "both records of trace %v", tid)
	}
}

func TestPriorityClasses(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Budget.RecordsPerSecond = 1
		c.Dedup.Enabled = false
		c.PriorityClasses = []PriorityClassConfig{
			{Name: "audit", Priority: "keep", Conditions: []string{`attributes["audit"] == true`}},
			{Name: "noise", Priority: "low", Conditions: []string{`IsMatch(body, "^healthz")`}},
		}
	})
	var recs []rec
	for i := range 100 {
		recs = append(recs,
			rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("user %d read record", i), ts: t0, attrs: map[string]any{"audit": true}},
			rec{svc: "a", sev: plog.SeverityNumberDebug, body: fmt.Sprintf("healthz ok %d", i), ts: t0},
			// a low class cannot push a record under the floor
			rec{svc: "a", sev: plog.SeverityNumberError, body: fmt.Sprintf("healthz failed %d", i), ts: t0})
	}
	h.send(t, logs(recs...))
	audit, errs := 0, 0
	for _, lr := range h.records() {
		if v, ok := lr.Attributes().Get("audit"); ok && v.Bool() {
			audit++
		}
		if lr.SeverityNumber() == plog.SeverityNumberError {
			errs++
		}
	}
	assert.Equal(t, 100, audit)
	assert.Equal(t, 100, errs)
}

func TestTruncation(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Dedup.Enabled = false
		c.Truncate = TruncateConfig{MaxBodyBytes: 10, MaxAttributeValueBytes: 4, MaxAttributes: 2, DropAttributes: []string{"secret"}}
	})
	ld := logs(rec{svc: "a", sev: plog.SeverityNumberInfo, body: "héllo wörld, this is long", ts: t0})
	attrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	attrs.PutStr("secret", "x")
	attrs.PutStr("a", "abcdefgh")
	attrs.PutInt("b", 1)
	attrs.PutStr("c", "z")
	h.send(t, ld)
	got := h.records()
	require.Len(t, got, 1)
	assert.Equal(t, "héllo wö", got[0].Body().Str(), "cut at a rune boundary")
	assert.Equal(t, map[string]any{"a": "abcd", "b": int64(1)}, got[0].Attributes().AsRaw())
	assert.Positive(t, h.metric(t, "processor_log_budget_bytes_dropped", attribute.String("reason", "truncate")))
}

func TestDryRunChangesNothing(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.DryRun = true
		c.Annotate = true
		c.Budget.RecordsPerSecond = 5
		c.Sampling.Enabled = false
		c.Truncate.MaxBodyBytes = 8
	})
	var recs []rec
	for i := range 20 {
		recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("job %d finished", i), ts: t0})
	}
	in := logs(recs...)
	want := plog.NewLogs()
	in.CopyTo(want)
	h.send(t, in)
	require.NoError(t, h.p.Shutdown(context.Background()))
	require.Len(t, h.sink.AllLogs(), 1, "no summaries in dry run")
	assert.Equal(t, want, h.sink.AllLogs()[0])
	tmpl := attribute.String("template", "")
	assert.Equal(t, int64(19), h.metric(t, "processor_log_budget_dry_run_records", attribute.String("reason", "dedup")))
	assert.Positive(t, h.metric(t, "processor_log_budget_dry_run_bytes", attribute.String("reason", "truncate"), tmpl))
	assert.Equal(t, int64(20), h.metric(t, "processor_log_budget_records_out"))
	assert.Equal(t, int64(0), h.metric(t, "processor_log_budget_records_dropped"))
}

func TestKeyOverflowAndOverrides(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Key.MaxKeys = 2
		c.Dedup.Enabled = false
		c.Sampling.Enabled = false
		c.Budget.RecordsPerSecond = 1
		c.Overrides = []OverrideConfig{{Match: map[string]string{"service.name": "vip"}, Budget: BudgetConfig{}}}
	})
	// two requests: within one, keys are added shard by shard, so which
	// of a request's new keys get the last slots is not its order
	for _, svcs := range [][]string{{"vip", "b"}, {"c", "d"}} {
		var recs []rec
		for i := range 10 {
			for _, s := range svcs {
				recs = append(recs, rec{svc: s, env: "prod", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("tick %d", i), ts: t0})
			}
		}
		h.send(t, logs(recs...))
	}
	assert.Equal(t, int64(10), h.metric(t, "processor_log_budget_records_out", attribute.String("key", "vip/prod")), "override: unlimited")
	assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_out", attribute.String("key", "b/prod")))
	assert.Equal(t, int64(20), h.metric(t, "processor_log_budget_records_in", attribute.String("key", "_overflow")))
	assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_out", attribute.String("key", "_overflow")))

	// a key idle for more than a day gives its slot up
	h.clock.Advance(25 * time.Hour)
	h.send(t, logs(rec{svc: "vip", env: "prod", sev: plog.SeverityNumberInfo, body: "x", ts: h.clock.now},
		rec{svc: "e", env: "prod", sev: plog.SeverityNumberInfo, body: "x", ts: h.clock.now}))
	assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_in", attribute.String("key", "e/prod")))
}

func TestRecordAttributeKeys(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Key.ResourceAttributes = []string{"service.name"}
		c.Key.RecordAttributes = []string{"tenant"}
		c.Dedup.Enabled = false
	})
	h.send(t, logs(
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "x", attrs: map[string]any{"tenant": "t1"}},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "x", attrs: map[string]any{"tenant": "t2"}},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "x"},
	))
	assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_in", attribute.String("key", "a/t1")))
	assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_in", attribute.String("key", "a/t2")))
	assert.Equal(t, int64(1), h.metric(t, "processor_log_budget_records_in", attribute.String("key", "a/-")))
}

func TestDedupEntriesBoundedFlushEarly(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Dedup.MaxEntries = 1 })
	h.send(t, logs(
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "alpha 1", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "alpha 2", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "beta gamma 1", ts: t0},
	))
	got := h.records()
	require.Len(t, got, 3, "alpha window evicted by beta's and flushed at once")
	assert.Equal(t, "1", attrStr(got[2], AttrCount))
}

func TestShutdownFlushesAndIsIdempotent(t *testing.T) {
	h := newHarness(t, nil)
	require.NoError(t, h.p.Start(context.Background(), componenttest.NewNopHost()))
	h.send(t, logs(
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "conn 1 closed", ts: t0},
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "conn 2 closed", ts: t0},
	))
	require.NoError(t, h.p.Shutdown(context.Background()))
	require.NoError(t, h.p.Shutdown(context.Background()))
	got := h.records()
	require.Len(t, got, 2)
	assert.Equal(t, "1", attrStr(got[1], AttrCount))
}

func TestWaterFill(t *testing.T) {
	d := map[uint64]*tmplDemand{
		1: {recs: 900, tier: tierInfo},
		2: {recs: 90, tier: tierInfo},
		3: {recs: 10, tier: tierInfo},
	}
	probs, _ := waterFill(d, &tmplDemand{}, 100)
	assert.Equal(t, 1.0, probs[3])
	total := 0.0
	for id, p := range probs {
		total += p * d[id].recs
	}
	assert.InDelta(t, 100, total, 1e-6)
	assert.InDelta(t, 45.0/900, probs[1], 1e-9)
	assert.InDelta(t, 45.0/90, probs[2], 1e-9)
	assert.False(t, math.IsNaN(probs[1]))
}

// The floor holds whatever the load and whichever budget binds.
func TestSeverityFloorHoldsUnderAnyLoad(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget BudgetConfig
		load   int // records per second, 10% at ERROR or above
	}{
		{"records 10x", BudgetConfig{RecordsPerSecond: 100}, 1000},
		{"records 1000x", BudgetConfig{RecordsPerSecond: 10}, 10000},
		{"bytes 100x", BudgetConfig{BytesPerSecond: 1000}, 2000},
		{"day exhausted", BudgetConfig{BytesPerDay: 1}, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Budget = tc.budget })
			errs := 0
			for s := range 5 {
				var recs []rec
				for i := range tc.load {
					sev := plog.SeverityNumberInfo
					if i%10 == 0 {
						sev = []plog.SeverityNumber{plog.SeverityNumberError, plog.SeverityNumberError3, plog.SeverityNumberFatal}[i%3]
						errs++
					}
					recs = append(recs, rec{svc: "a", sev: sev, body: fmt.Sprintf("op %d failed after %d tries", i, s), ts: h.clock.now})
				}
				h.send(t, logs(recs...))
				h.clock.Advance(time.Second)
			}
			require.NoError(t, h.p.Shutdown(context.Background()))
			got := 0
			for _, lr := range h.records() {
				if lr.SeverityNumber() >= plog.SeverityNumberError {
					got++
					assert.Empty(t, attrStr(lr, AttrCount), "never merged")
					assert.Empty(t, attrStr(lr, AttrAdjustedCount), "never sampled")
				}
			}
			assert.Equal(t, errs, got)
		})
	}
}

func TestAccountingTelemetry(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Budget.RecordsPerSecond = 2; c.Sampling.Enabled = false })
	h.send(t, logs(
		rec{svc: "a", env: "prod", sev: plog.SeverityNumberInfo, body: "alpha 1", ts: t0},
		rec{svc: "a", env: "prod", sev: plog.SeverityNumberInfo, body: "alpha 2", ts: t0},
		rec{svc: "a", env: "prod", sev: plog.SeverityNumberInfo, body: "beta gamma 1", ts: t0},
		rec{svc: "a", env: "prod", sev: plog.SeverityNumberInfo, body: "delta epsilon zeta 1", ts: t0},
		rec{svc: "a", env: "prod", sev: plog.SeverityNumberError, body: "omega 1", ts: t0},
	))
	require.NoError(t, h.p.Shutdown(context.Background()))
	key := attribute.NewSet(attribute.String("key", "a/prod"))
	metadatatest.AssertEqualProcessorLogBudgetRecordsIn(t, h.tel, []metricdata.DataPoint[int64]{{Attributes: key, Value: 5}},
		metricdatatest.IgnoreTimestamp())
	// alpha 1 and beta pass (burst 2), omega is above the floor; alpha 2 comes
	// back in a summary, and so does delta, which the budget refused
	metadatatest.AssertEqualProcessorLogBudgetRecordsOut(t, h.tel, []metricdata.DataPoint[int64]{{Attributes: key, Value: 5}},
		metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorLogBudgetRecordsDropped(t, h.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("key", "a/prod"), attribute.String("reason", "budget")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("key", "a/prod"), attribute.String("reason", "dedup")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorLogBudgetSummaries(t, h.tel, []metricdata.DataPoint[int64]{{Attributes: key, Value: 2}},
		metricdatatest.IgnoreTimestamp())
}

func TestTableGauges(t *testing.T) {
	h := newHarness(t, nil)
	h.send(t, logs(
		rec{svc: "a", sev: plog.SeverityNumberInfo, body: "alpha 1", ts: t0},
		rec{svc: "b", sev: plog.SeverityNumberInfo, body: "beta gamma 1", ts: t0},
	))
	metadatatest.AssertEqualProcessorLogBudgetKeys(t, h.tel, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorLogBudgetTemplates(t, h.tel, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
}

// Concurrent senders, the window flusher and metric collection at once (run
// with -race); every record is accounted once.
func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Budget.RecordsPerSecond = 500 })
	require.NoError(t, h.p.Start(context.Background(), componenttest.NewNopHost()))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				var recs []rec
				for j := range 20 {
					recs = append(recs, rec{svc: fmt.Sprintf("s%d", g), sev: plog.SeverityNumber(1 + (i+j)%21), body: fmt.Sprintf("job %d step %d done", i, j), ts: t0})
				}
				assert.NoError(t, h.p.ConsumeLogs(context.Background(), logs(recs...)))
				if i%10 == 0 {
					_, _ = h.tel.GetMetric("otelcol_processor_log_budget_keys")
					assert.NoError(t, h.p.tick(context.Background()))
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, h.p.Shutdown(context.Background()))
	in := h.metric(t, "processor_log_budget_records_in")
	out := h.metric(t, "processor_log_budget_records_out")
	summaries := h.metric(t, "processor_log_budget_summaries")
	dropped := h.metric(t, "processor_log_budget_records_dropped")
	assert.Equal(t, int64(4*50*20), in)
	assert.Equal(t, in, out-summaries+dropped)
	assert.Equal(t, out, int64(len(h.records())))
}
