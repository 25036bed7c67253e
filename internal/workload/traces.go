// Package workload generates seeded, realistic telemetry for tests,
// benchmarks and the quell-loadgen command: traces across many services with
// client/server span pairs, calls to uninstrumented dependencies, a chosen
// share of error and slow traces; and logs from realistic templates.
//
// The same options and seed always give the same data, so a failing test or a
// benchmark figure can be reproduced exactly.
package workload

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TraceOptions shape the generated traces. Zero values take the defaults
// named on each field.
type TraceOptions struct {
	// Seed makes generation repeatable: same seed, same traces.
	Seed int64
	// Services is the number of distinct instrumented services (default 10).
	Services int
	// ErrorRatio is the share of traces holding at least one span with
	// status Error (0 means none).
	ErrorRatio float64
	// SlowRatio is the share of traces whose duration (earliest start to
	// latest end) exceeds SlowThreshold (0 means none).
	SlowRatio float64
	// SlowThreshold separates slow traces from the rest (default 1s). Other
	// traces last at most a third of it.
	SlowThreshold time.Duration
	// MinSpans and MaxSpans bound the spans per trace (defaults 3 and 30).
	MinSpans, MaxSpans int
	// Start is the start time of the first trace (default 2026-01-01 UTC);
	// each next trace starts a millisecond later.
	Start time.Time
}

// Trace is one generated trace and what the generator knows about it.
type Trace struct {
	ID pcommon.TraceID
	// Spans holds the whole trace, one ResourceSpans per service.
	Spans     ptrace.Traces
	SpanCount int
	// Error is true when a span of the trace has status Error.
	Error bool
	// Slow is true when the trace lasts longer than SlowThreshold.
	Slow        bool
	RootService string
	// RootName is the root span's name.
	RootName string
}

// TraceGenerator produces traces; it is not safe for concurrent use.
type TraceGenerator struct {
	opts     TraceOptions
	rng      *rand.Rand
	services []service
	n        int
}

type service struct {
	name       string
	operations []string
	// deps are the services and uninstrumented dependencies it calls.
	deps []dependency
}

type dependency struct {
	// service is an index into TraceGenerator.services, or -1 for an
	// uninstrumented dependency described by peer or dbSystem.
	service  int
	peer     string
	dbSystem string
	// messaging marks producer/consumer pairs instead of client/server.
	messaging bool
}

var serviceNames = []string{
	"frontend", "checkout", "cart", "payment", "shipping", "currency",
	"email", "recommendation", "product-catalog", "ad", "quote", "accounting",
	"fraud-detection", "inventory", "auth", "search", "pricing", "reviews",
	"notification", "user-profile",
}

var operations = []string{
	"GET /api/%s", "POST /api/%s", "%s.Get", "%s.List", "%s.Update", "%s.Process",
}

var externalDeps = []dependency{
	{service: -1, dbSystem: "postgresql", peer: "orders-db"},
	{service: -1, dbSystem: "redis", peer: "cache"},
	{service: -1, peer: "payments-provider"},
	{service: -1, dbSystem: "mongodb", peer: "catalog-db"},
}

// NewTraceGenerator returns a generator for opts, filling in defaults.
func NewTraceGenerator(opts TraceOptions) *TraceGenerator {
	if opts.Services <= 0 {
		opts.Services = 10
	}
	if opts.SlowThreshold <= 0 {
		opts.SlowThreshold = time.Second
	}
	if opts.MinSpans <= 0 {
		opts.MinSpans = 3
	}
	if opts.MaxSpans < opts.MinSpans {
		opts.MaxSpans = max(30, opts.MinSpans)
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15))
	g := &TraceGenerator{opts: opts, rng: rng}
	g.services = buildServices(opts.Services, rng)
	return g
}

// buildServices lays services out in tiers so calls flow from the front
// (index 0) to the back, giving a graph without cycles, as real call graphs
// mostly are.
func buildServices(n int, rng *rand.Rand) []service {
	services := make([]service, n)
	for i := range services {
		name := serviceName(i)
		ops := make([]string, 2+rng.IntN(3))
		for j := range ops {
			ops[j] = fmt.Sprintf(operations[rng.IntN(len(operations))], name)
		}
		services[i] = service{name: name, operations: ops}
	}
	for i := range services {
		for j := i + 1; j < n && len(services[i].deps) < 3; j++ {
			if j == i+1 || rng.IntN(4) == 0 {
				services[i].deps = append(services[i].deps, dependency{service: j, messaging: rng.IntN(8) == 0})
			}
		}
		if i > 0 && rng.IntN(2) == 0 {
			services[i].deps = append(services[i].deps, externalDeps[rng.IntN(len(externalDeps))])
		}
	}
	return services
}

func serviceName(i int) string {
	if i < len(serviceNames) {
		return serviceNames[i]
	}
	return fmt.Sprintf("%s-%d", serviceNames[i%len(serviceNames)], i/len(serviceNames))
}

// ServiceNames lists the instrumented services the generator uses.
func (g *TraceGenerator) ServiceNames() []string {
	names := make([]string, len(g.services))
	for i, s := range g.services {
		names[i] = s.name
	}
	return names
}

// Generate returns the next n traces.
func (g *TraceGenerator) Generate(n int) []Trace {
	traces := make([]Trace, n)
	for i := range traces {
		traces[i] = g.Next()
	}
	return traces
}

// spanPlan is one span before it is written into pdata.
type spanPlan struct {
	service  int
	parent   int // index into the plan, -1 for the root
	name     string
	kind     ptrace.SpanKind
	start    time.Duration // offset from the trace start
	duration time.Duration
	peer     string
	dbSystem string
	isError  bool
}

// Next returns the next trace.
func (g *TraceGenerator) Next() Trace {
	o := g.opts
	g.n++
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[:8], g.rng.Uint64())
	binary.BigEndian.PutUint64(id[8:], g.rng.Uint64())

	isErr := g.rng.Float64() < o.ErrorRatio
	isSlow := g.rng.Float64() < o.SlowRatio
	want := o.MinSpans + g.rng.IntN(o.MaxSpans-o.MinSpans+1)

	// Roots are mostly the front services, as user traffic enters there.
	rootSvc := g.rng.IntN(max(1, min(3, len(g.services))))
	budget := o.SlowThreshold / 3
	if isSlow {
		budget = o.SlowThreshold + time.Duration(g.rng.Int64N(int64(o.SlowThreshold)))
	}
	plan := []spanPlan{{
		service: rootSvc, parent: -1, kind: ptrace.SpanKindServer,
		name:     g.services[rootSvc].operations[g.rng.IntN(len(g.services[rootSvc].operations))],
		duration: budget,
	}}
	for len(plan) < want {
		parent := g.rng.IntN(len(plan))
		p := plan[parent]
		if p.kind == ptrace.SpanKindClient || p.kind == ptrace.SpanKindProducer {
			continue // client spans get their child on the server side only
		}
		svc := g.services[p.service]
		start := p.start + time.Duration(g.rng.Int64N(int64(p.duration)/4+1))
		dur := max(time.Duration(g.rng.Int64N(int64(p.start+p.duration-start)/2+1)), time.Microsecond)
		if len(svc.deps) == 0 || g.rng.IntN(3) == 0 {
			plan = append(plan, spanPlan{
				service: p.service, parent: parent, kind: ptrace.SpanKindInternal,
				name: svc.operations[g.rng.IntN(len(svc.operations))], start: start, duration: dur,
			})
			continue
		}
		plan = g.appendCall(plan, parent, svc.deps[g.rng.IntN(len(svc.deps))], start, dur, want)
	}
	if isErr {
		// The error sits deep in the trace, where errors usually start.
		plan[len(plan)-1-g.rng.IntN(max(1, len(plan)/2))].isError = true
	}
	return g.build(id, plan, isErr, isSlow)
}

// appendCall appends p's call to dep: a client span for an uninstrumented
// peer, or a client (producer) span and, room permitting, the callee's
// server (consumer) span.
func (g *TraceGenerator) appendCall(plan []spanPlan, parent int, dep dependency, start, dur time.Duration, want int) []spanPlan {
	p := plan[parent]
	if dep.service < 0 {
		name := "HTTP POST"
		if dep.dbSystem != "" {
			name = dep.dbSystem + " query"
		}
		plan = append(plan, spanPlan{
			service: p.service, parent: parent, kind: ptrace.SpanKindClient, name: name,
			start: start, duration: dur, peer: dep.peer, dbSystem: dep.dbSystem,
		})
		return plan
	}
	callee := g.services[dep.service]
	outKind, inKind := ptrace.SpanKindClient, ptrace.SpanKindServer
	if dep.messaging {
		outKind, inKind = ptrace.SpanKindProducer, ptrace.SpanKindConsumer
	}
	op := callee.operations[g.rng.IntN(len(callee.operations))]
	plan = append(plan, spanPlan{
		service: p.service, parent: parent, kind: outKind, name: op,
		start: start, duration: dur, peer: callee.name,
	})
	if len(plan) < want {
		lat := dur / 10
		plan = append(plan, spanPlan{
			service: dep.service, parent: len(plan) - 1, kind: inKind, name: op,
			start: start + lat, duration: dur - 2*lat,
		})
	}
	return plan
}

func (g *TraceGenerator) build(id pcommon.TraceID, plan []spanPlan, isErr, isSlow bool) Trace {
	start := g.opts.Start.Add(time.Duration(g.n-1) * time.Millisecond)
	td := ptrace.NewTraces()
	bySvc := map[int]ptrace.SpanSlice{}
	spanIDs := make([]pcommon.SpanID, len(plan))
	for i, p := range plan {
		spans, ok := bySvc[p.service]
		if !ok {
			rs := td.ResourceSpans().AppendEmpty()
			res := rs.Resource().Attributes()
			res.PutStr("service.name", g.services[p.service].name)
			res.PutStr("deployment.environment.name", "production")
			res.PutStr("service.version", "1.4.2")
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName("quell/workload")
			spans = ss.Spans()
			bySvc[p.service] = spans
		}
		binary.BigEndian.PutUint64(spanIDs[i][:], g.rng.Uint64()|1)
		s := spans.AppendEmpty()
		s.SetTraceID(id)
		s.SetSpanID(spanIDs[i])
		if p.parent >= 0 {
			s.SetParentSpanID(spanIDs[p.parent])
		}
		s.SetName(p.name)
		s.SetKind(p.kind)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(p.start)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(p.start + p.duration)))
		attrs := s.Attributes()
		switch p.kind {
		case ptrace.SpanKindServer:
			attrs.PutStr("http.request.method", "GET")
			attrs.PutStr("url.path", "/api/"+g.services[p.service].name)
			attrs.PutInt("http.response.status_code", 200)
		case ptrace.SpanKindClient, ptrace.SpanKindProducer:
			attrs.PutStr("peer.service", p.peer)
			if p.dbSystem != "" {
				attrs.PutStr("db.system", p.dbSystem)
				attrs.PutStr("db.statement", "SELECT * FROM items WHERE id = ?")
			}
		}
		if p.isError {
			s.Status().SetCode(ptrace.StatusCodeError)
			s.Status().SetMessage("upstream failed")
			if p.kind == ptrace.SpanKindServer {
				attrs.PutInt("http.response.status_code", 500)
			}
		}
	}
	return Trace{
		ID: id, Spans: td, SpanCount: len(plan), Error: isErr, Slow: isSlow,
		RootService: g.services[plan[0].service].name, RootName: plan[0].name,
	}
}

// Merge returns all the traces in one ptrace.Traces (copies; the inputs are
// left as they are).
func Merge(traces []Trace) ptrace.Traces {
	out := ptrace.NewTraces()
	for _, t := range traces {
		rss := t.Spans.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			rss.At(i).CopyTo(out.ResourceSpans().AppendEmpty())
		}
	}
	return out
}

// Split spreads the spans of every trace over parts batches, so the spans of
// one trace arrive in separate requests (round robin from a per-trace offset:
// a trace with at least parts spans appears in every batch). Within a batch,
// spans of one service share one ResourceSpans, as an SDK's batch would, and
// traces are interleaved. The inputs are copied, not moved.
func Split(traces []Trace, parts int) []ptrace.Traces {
	parts = max(parts, 1)
	out := make([]ptrace.Traces, parts)
	// byService[b] maps a service name to its span slice in batch b.
	byService := make([]map[string]ptrace.SpanSlice, parts)
	for i := range out {
		out[i] = ptrace.NewTraces()
		byService[i] = map[string]ptrace.SpanSlice{}
	}
	for ti, t := range traces {
		n := ti // the offset rotates so a 1-span trace does not always land in batch 0
		rss := t.Spans.ResourceSpans()
		for r := 0; r < rss.Len(); r++ {
			rs := rss.At(r)
			svc, _ := rs.Resource().Attributes().Get("service.name")
			for s := 0; s < rs.ScopeSpans().Len(); s++ {
				ss := rs.ScopeSpans().At(s)
				for k := 0; k < ss.Spans().Len(); k++ {
					b := n % parts
					n++
					dst, ok := byService[b][svc.Str()]
					if !ok {
						nrs := out[b].ResourceSpans().AppendEmpty()
						rs.Resource().CopyTo(nrs.Resource())
						nss := nrs.ScopeSpans().AppendEmpty()
						ss.Scope().CopyTo(nss.Scope())
						dst = nss.Spans()
						byService[b][svc.Str()] = dst
					}
					ss.Spans().At(k).CopyTo(dst.AppendEmpty())
				}
			}
		}
	}
	return out
}
