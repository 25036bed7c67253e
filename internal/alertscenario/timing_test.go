package alertscenario

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type timedSpan struct {
	svc         string
	kind        ptrace.SpanKind
	start, end  uint64
	failed      bool
	parentIndex int
}

// flatten lists td's spans with their parent's index (-1: none).
func flatten(td ptrace.Traces) []timedSpan {
	var out []timedSpan
	index := map[[24]byte]int{}
	var parents [][24]byte
	for _, rs := range td.ResourceSpans().All() {
		svc, _ := rs.Resource().Attributes().Get("service.name")
		for _, sp := range rs.ScopeSpans().At(0).Spans().All() {
			var k, p [24]byte
			tid, sid, pid := sp.TraceID(), sp.SpanID(), sp.ParentSpanID()
			copy(k[:16], tid[:])
			copy(k[16:], sid[:])
			copy(p[:16], tid[:])
			copy(p[16:], pid[:])
			index[k] = len(out)
			parents = append(parents, p)
			out = append(out, timedSpan{
				svc: svc.Str(), kind: sp.Kind(), start: uint64(sp.StartTimestamp()), end: uint64(sp.EndTimestamp()),
				failed: sp.Status().Code() == ptrace.StatusCodeError,
			})
		}
	}
	for i := range out {
		out[i].parentIndex = -1
		if j, ok := index[parents[i]]; ok {
			out[i].parentIndex = j
		}
	}
	return out
}

// TestTracesAreTimed: every span lasts; a server span covers its calls; a
// client span outlasts the server span it calls, unless it timed out.
// During a latency fault the root's spans take 0.3 s more, nothing fails
// there, and some of its callers' calls time out and fail.
func TestTracesAreTimed(t *testing.T) {
	topo := Generated(40, 3)
	from := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	s := &Scenario{Topology: topo}
	roots := map[string]bool{}
	for _, e := range topo.Entry {
		for _, r := range topo.Services[e] {
			if !roots[r] && topo.Databases[r] == "" {
				roots[r] = true
				s.Faults = append(s.Faults, Fault{Root: r, From: from, To: from.Add(time.Hour), Kind: FaultLatency})
			}
		}
	}
	ts := NewTraceStream(s, 200, 0.5, 0.7, 9)
	before, during := flatten(ts.Tick(from.Add(-time.Minute))), flatten(ts.Tick(from.Add(time.Minute)))

	check := func(spans []timedSpan) (timeouts int) {
		for _, sp := range spans {
			require.Greater(t, sp.end, sp.start)
			if sp.parentIndex < 0 {
				continue
			}
			p := spans[sp.parentIndex]
			switch {
			case sp.kind == ptrace.SpanKindServer && p.kind == ptrace.SpanKindClient:
				if p.end < sp.end {
					assert.True(t, p.failed, "a client span ending before its server span timed out")
					timeouts++
				} else {
					assert.Less(t, p.start, sp.start)
				}
			case sp.kind == ptrace.SpanKindClient:
				assert.GreaterOrEqual(t, sp.start, p.start)
				assert.LessOrEqual(t, sp.end, p.end, "a server span covers its calls")
			}
		}
		return timeouts
	}
	assert.Zero(t, check(before), "no timeouts without a latency fault")
	assert.Positive(t, check(during))
	var failed, all int
	for _, sp := range during {
		if roots[sp.svc] && sp.kind == ptrace.SpanKindServer {
			all++
			assert.Greater(t, sp.end-sp.start, uint64(200*time.Millisecond))
			if sp.failed {
				failed++
			}
		}
	}
	assert.Positive(t, all)
	assert.Less(t, failed, max(2, all/20), "the roots fail only at the background rate")
}
