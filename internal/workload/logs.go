package workload

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// LogOptions shape the generated log records. Zero values take the defaults
// named on each field.
type LogOptions struct {
	// Seed makes generation repeatable: same seed, same records.
	Seed int64
	// Services is the number of distinct services (default 10).
	Services int
	// ErrorRatio is the share of records at ERROR or above (default 0.05;
	// set a negative value for none).
	ErrorRatio float64
	// TraceRatio is the share of records carrying a trace and span ID
	// (default 0.3; negative for none).
	TraceRatio float64
	// Start is the time of the first record (default 2026-01-01 UTC); each
	// next record is a millisecond later.
	Start time.Time
}

// logTemplate is one kind of log line; fill renders a body with fresh
// variable values.
type logTemplate struct {
	severity plog.SeverityNumber
	// weight is how common the line is relative to others of its severity.
	weight int
	fill   func(r *rand.Rand) string
	// mapBody renders the record as a structured (map) body instead.
	mapBody bool
	// stack appends a multi-line stack trace.
	stack bool
}

var infoTemplates = []logTemplate{
	{severity: plog.SeverityNumberInfo, weight: 40, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("GET /api/items/%d completed with 200 in %dms", r.IntN(100000), 1+r.IntN(400))
	}},
	{severity: plog.SeverityNumberInfo, weight: 20, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("user %s logged in from %s", uuid(r), ip(r))
	}},
	{severity: plog.SeverityNumberInfo, weight: 10, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("order %d placed: %d items, total %d.%02d EUR", r.IntN(1000000), 1+r.IntN(9), r.IntN(500), r.IntN(100))
	}},
	{severity: plog.SeverityNumberDebug, weight: 30, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("cache lookup key=%q hit=%t took=%dus", fmt.Sprintf("item:%d", r.IntN(5000)), r.IntN(2) == 0, r.IntN(900))
	}},
	{severity: plog.SeverityNumberDebug, weight: 10, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("span exported trace_id=%016x%016x", r.Uint64(), r.Uint64())
	}},
	{severity: plog.SeverityNumberInfo, weight: 8, mapBody: true, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("request %d", r.IntN(100000))
	}},
	{severity: plog.SeverityNumberWarn, weight: 6, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("slow query on table %s took %.1fs", []string{"orders", "items", "users"}[r.IntN(3)], 1+r.Float64()*4)
	}},
	{severity: plog.SeverityNumberWarn, weight: 4, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("retrying connection to %s:%d (attempt %d)", ip(r), 5432, 1+r.IntN(5))
	}},
	{severity: plog.SeverityNumberTrace, weight: 10, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("entering handler id=0x%x", r.Uint32())
	}},
}

var errorTemplates = []logTemplate{
	{severity: plog.SeverityNumberError, weight: 10, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("payment %s declined: card issuer timeout after %dms", uuid(r), 1000+r.IntN(4000))
	}},
	{severity: plog.SeverityNumberError, weight: 6, stack: true, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("unhandled exception processing request %d: java.lang.NullPointerException", r.IntN(100000))
	}},
	{severity: plog.SeverityNumberError, weight: 4, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("connection refused dialing %s:%d", ip(r), 6379)
	}},
	{severity: plog.SeverityNumberFatal, weight: 1, fill: func(r *rand.Rand) string {
		return fmt.Sprintf("out of memory: heap %dMiB exceeds limit", 512+r.IntN(512))
	}},
}

const stackTrace = `
	at com.example.checkout.CartService.total(CartService.java:118)
	at com.example.checkout.CheckoutController.placeOrder(CheckoutController.java:57)
	at java.base/java.lang.Thread.run(Thread.java:833)`

func uuid(r *rand.Rand) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.Uint64())
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func ip(r *rand.Rand) string {
	return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

// LogGenerator produces log records; it is not safe for concurrent use.
type LogGenerator struct {
	opts     LogOptions
	rng      *rand.Rand
	services []string
	n        int
}

// NewLogGenerator returns a generator for opts, filling in defaults.
func NewLogGenerator(opts LogOptions) *LogGenerator {
	if opts.Services <= 0 {
		opts.Services = 10
	}
	if opts.ErrorRatio == 0 {
		opts.ErrorRatio = 0.05
	}
	if opts.TraceRatio == 0 {
		opts.TraceRatio = 0.3
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	g := &LogGenerator{opts: opts, rng: rand.New(rand.NewPCG(uint64(opts.Seed), 0x2545f4914f6cdd1d))}
	for i := range opts.Services {
		g.services = append(g.services, serviceName(i))
	}
	return g
}

// ServiceNames lists the services the generator uses.
func (g *LogGenerator) ServiceNames() []string { return append([]string(nil), g.services...) }

// Batch returns the next n records, spread across services with a skew
// (the first services log the most, as in real fleets), one ResourceLogs per
// service present in the batch.
func (g *LogGenerator) Batch(n int) plog.Logs {
	ld := plog.NewLogs()
	bySvc := make(map[int]plog.LogRecordSlice, len(g.services))
	for range n {
		svc := g.pickService()
		recs, ok := bySvc[svc]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", g.services[svc])
			rl.Resource().Attributes().PutStr("deployment.environment.name", "production")
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName("quell/workload")
			recs = sl.LogRecords()
			bySvc[svc] = recs
		}
		g.record(recs.AppendEmpty())
	}
	return ld
}

// pickService draws a service index, skewed towards low indexes.
func (g *LogGenerator) pickService() int {
	a, b := g.rng.IntN(len(g.services)), g.rng.IntN(len(g.services))
	return min(a, b)
}

func (g *LogGenerator) record(lr plog.LogRecord) {
	ts := g.opts.Start.Add(time.Duration(g.n) * time.Millisecond)
	g.n++
	templates := infoTemplates
	if g.rng.Float64() < g.opts.ErrorRatio {
		templates = errorTemplates
	}
	t := pickTemplate(g.rng, templates)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetSeverityNumber(t.severity)
	lr.SetSeverityText(severityText(t.severity))
	msg := t.fill(g.rng)
	switch {
	case t.mapBody:
		m := lr.Body().SetEmptyMap()
		m.PutStr("message", msg)
		m.PutStr("http.route", "/api/items/{id}")
		m.PutInt("duration_ms", int64(1+g.rng.IntN(300)))
	case t.stack:
		lr.Body().SetStr(msg + stackTrace)
		lr.Attributes().PutStr("exception.type", "java.lang.NullPointerException")
	default:
		lr.Body().SetStr(msg)
	}
	lr.Attributes().PutStr("code.function", "handle")
	lr.Attributes().PutInt("thread.id", int64(g.rng.IntN(64)))
	if g.rng.Float64() < g.opts.TraceRatio {
		var tid pcommon.TraceID
		var sid pcommon.SpanID
		binary.BigEndian.PutUint64(tid[:8], g.rng.Uint64())
		binary.BigEndian.PutUint64(tid[8:], g.rng.Uint64())
		binary.BigEndian.PutUint64(sid[:], g.rng.Uint64()|1)
		lr.SetTraceID(tid)
		lr.SetSpanID(sid)
	}
}

func pickTemplate(r *rand.Rand, ts []logTemplate) logTemplate {
	total := 0
	for _, t := range ts {
		total += t.weight
	}
	x := r.IntN(total)
	for _, t := range ts {
		if x < t.weight {
			return t
		}
		x -= t.weight
	}
	return ts[len(ts)-1]
}

func severityText(s plog.SeverityNumber) string {
	// "SeverityNumberWarn" -> "WARN"
	return strings.ToUpper(strings.TrimPrefix(s.String(), "SeverityNumber"))
}

// EachLogRecord calls f with every log record of ld, in order.
func EachLogRecord(ld plog.Logs, f func(plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(lrs.At(k))
			}
		}
	}
}
