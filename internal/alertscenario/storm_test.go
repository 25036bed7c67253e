package alertscenario

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
)

func stormSpec() *FamilySpec {
	return &FamilySpec{
		Name: "storms", Topology: ScaleFree(120, 3),
		Propagations: []Propagation{HopDecay, FanIn, Async, RetryStorm}, NeighbourNoise: 0.6, Seed: 9,
		Storms: &StormShape{
			Storms: 20, Concurrent: [2]int{1, 5},
			Length: [2]time.Duration{150 * time.Second, 400 * time.Second},
			Gap:    [2]time.Duration{10 * time.Minute, 20 * time.Minute},
			Spread: [2]time.Duration{5 * time.Second, 5 * time.Minute}, Adjacent: 0.4, Maintenance: 0.25,
		},
	}
}

// stormsOf splits the fault windows into storms: faults closer than 10 min.
func stormsOf(faults []Fault) [][]Fault {
	sorted := slices.SortedFunc(slices.Values(faults), func(a, b Fault) int { return a.From.Compare(b.From) })
	var out [][]Fault
	for i, f := range sorted {
		if i == 0 || f.From.Sub(sorted[i-1].From) > 10*time.Minute {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], f)
	}
	return out
}

func TestStormsShape(t *testing.T) {
	spec := stormSpec()
	s := GenerateFamily(spec)
	require.Equal(t, s.Notifications, GenerateFamily(stormSpec()).Notifications, "seeded")
	require.True(t, slices.IsSortedFunc(s.Notifications, func(x, y Notification) int { return x.At.Compare(y.At) }))
	storms := stormsOf(s.Faults)
	assert.Len(t, storms, 20)
	concurrent, adjacent := 0, 0
	for _, st := range storms {
		assert.LessOrEqual(t, len(st), 5)
		first, last := st[0].From, st[0].To
		for _, f := range st {
			last = later(last, f.To)
			assert.GreaterOrEqual(t, f.To.Sub(f.From), 70*time.Second, "a fault lasts")
		}
		assert.LessOrEqual(t, last.Sub(first), 400*time.Second, "a storm is over within 400 s")
		if len(st) >= 3 {
			concurrent++
		}
		for i, f := range st[1:] {
			if d := f.From.Sub(st[i].From); d >= 30*time.Second && d <= 3*time.Minute {
				adjacent++
			}
		}
	}
	assert.Greater(t, concurrent, 3, "storms with three faults or more")
	assert.Positive(t, adjacent)

	kinds := map[string]int{}
	for _, tid := range slices.Compact(slices.Sorted(slices.Values(s.EpisodeTruth))) {
		kinds[s.Truths[tid].Kind]++
	}
	assert.Equal(t, len(s.Faults), kinds["fault"], "every fault alerts")
	assert.GreaterOrEqual(t, kinds["flapping"], 18, "about one flapping alert per storm")
	assert.Positive(t, kinds["unrelated"])
	assert.Positive(t, kinds["maintenance"])
	assertEpisodesResolve(t, s)
}

// Every episode ends resolved; a fault's alerts lie within its storm; an
// unrelated alert is never on a service a fault of its storm made alert.
func assertEpisodesResolve(t *testing.T, s *Scenario) {
	last := map[int]Notification{}
	first := map[int]Notification{}
	for _, n := range s.Notifications {
		if _, ok := first[n.Episode]; !ok {
			first[n.Episode] = n
		}
		last[n.Episode] = n
	}
	faultSvcs := map[string][]time.Time{}
	for ep, n := range last {
		assert.Equal(t, alertconv.StateResolved, n.State, "episode %d", ep)
		tr := s.Truths[s.EpisodeTruth[ep]]
		if tr.Kind == "fault" {
			assert.LessOrEqual(t, n.At.Sub(tr.Onset), 400*time.Second, "episode %d of fault %d", ep, tr.ID)
			assert.False(t, first[ep].At.Before(tr.Onset), "episode %d", ep)
			faultSvcs[n.Service] = append(faultSvcs[n.Service], first[ep].At, n.At)
		}
	}
	for ep, n := range first {
		tr := s.Truths[s.EpisodeTruth[ep]]
		if tr.Kind != "unrelated" {
			continue
		}
		for i := 0; i < len(faultSvcs[n.Service]); i += 2 {
			from, to := faultSvcs[n.Service][i], faultSvcs[n.Service][i+1]
			assert.False(t, n.At.Before(to) && last[ep].At.After(from), "unrelated episode %d on %s overlaps a fault's alert there", ep, n.Service)
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Two concurrent faults under one caller: the caller's spans fail through
// either callee, and each root's errors originate at the root.
func TestConcurrentFaultTraces(t *testing.T) {
	topo := &Topology{
		Name:     "two-faults",
		Services: map[string][]string{"front": {"a", "b"}, "a": {}, "b": {}},
		Entry:    []string{"front"}, Databases: map[string]string{}, Brokers: map[string]bool{},
	}
	at := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	s := &Scenario{Topology: topo, Faults: []Fault{
		{Root: "a", From: at, To: at.Add(3 * time.Minute)},
		{Root: "b", From: at.Add(time.Minute), To: at.Add(4 * time.Minute)},
	}}
	ts := NewTraceStream(s, 400, 1, 1, 5)
	count := func(at time.Time) (aFail, bFail, both, frontFail, front int) {
		for _, sp := range traceSpans(ts.Tick(at)) {
			clients := map[string]bool{}
			for _, x := range sp {
				if x.service == "front" && x.span.Kind() == ptrace.SpanKindClient && x.span.Status().Code() == ptrace.StatusCodeError {
					clients[x.peer] = true
				}
				failed := x.span.Status().Code() == ptrace.StatusCodeError
				switch {
				case x.service == "a" && failed:
					aFail++
				case x.service == "b" && failed:
					bFail++
				case x.service == "front" && x.span.Kind() == ptrace.SpanKindServer:
					front++
					if failed {
						frontFail++
					}
				}
			}
			if clients["a"] && clients["b"] {
				both++
			}
		}
		return
	}
	// Only a fails.
	aFail, bFail, both, frontFail, front := count(at.Add(30 * time.Second))
	assert.Positive(t, aFail)
	assert.Less(t, bFail, 10, "b fails only at the background rate")
	assert.Zero(t, both)
	// Both fail: a request calling both sees both calls fail, once each.
	aFail, bFail, both, frontFail, front = count(at.Add(2 * time.Minute))
	assert.Positive(t, aFail)
	assert.Positive(t, bFail)
	assert.Positive(t, both, "a span under two faults")
	assert.Greater(t, frontFail, front/2, "front fails through either callee")
	// After both: background only.
	aFail, bFail, _, _, _ = count(at.Add(5 * time.Minute))
	assert.Less(t, aFail+bFail, 12)
}

type tracedSpan struct {
	service, peer string
	span          ptrace.Span
}

// traceSpans groups the spans of td by trace ID.
func traceSpans(td ptrace.Traces) map[string][]tracedSpan {
	out := map[string][]tracedSpan{}
	for _, rs := range td.ResourceSpans().All() {
		svc, _ := rs.Resource().Attributes().Get("service.name")
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				peer, _ := sp.Attributes().Get("peer.service")
				id := sp.TraceID()
				out[string(id[:])] = append(out[string(id[:])], tracedSpan{service: svc.Str(), peer: peer.Str(), span: sp})
			}
		}
	}
	return out
}
