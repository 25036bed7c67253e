package eval

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// threeSpans is one service's batch of three spans.
func threeSpans(service string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := range 3 {
		sp := spans.AppendEmpty()
		sp.SetName(string(rune('a' + i)))
		sp.SetStartTimestamp(1_000_000_000)
		sp.SetEndTimestamp(2_000_000_000)
	}
	return td
}

func TestCourierKnobs(t *testing.T) {
	t0 := time.Unix(100, 0)
	every := 5 * time.Second
	t.Run("split", func(t *testing.T) {
		c := newCourier(Delivery{Split: 1}, every)
		c.send(t0, []ptrace.Traces{threeSpans("a")})
		now := c.due(t0)
		later := c.due(t0.Add(every))
		if len(now) != 1 || len(later) != 1 || now[0].SpanCount()+later[0].SpanCount() != 3 || now[0].SpanCount() != 1 {
			t.Fatalf("split: %d batches now, %d a tick later", len(now), len(later))
		}
	})
	t.Run("split by end", func(t *testing.T) {
		// A server span listed first that ends last, its two calls after
		// it: cut by end, the first half holds a call, not the server span.
		td := threeSpans("a")
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		spans.At(0).SetEndTimestamp(3_000_000_000)
		spans.At(1).SetEndTimestamp(1_500_000_000)
		c := newCourier(Delivery{Split: 1, SplitByEnd: true}, every)
		c.send(t0, []ptrace.Traces{td})
		now := c.due(t0)
		later := c.due(t0.Add(every))
		if len(now) != 1 || len(later) != 1 || now[0].SpanCount() != 1 || later[0].SpanCount() != 2 {
			t.Fatalf("split by end: %d batches now, %d a tick later", len(now), len(later))
		}
		if got := now[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Name(); got != "b" {
			t.Fatalf("split by end: first half holds %q, want the call that ended first (b)", got)
		}
		if got := later[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Name(); got != "a" {
			t.Fatalf("split by end: second half starts with %q, want the server span (a)", got)
		}
	})
	t.Run("retry", func(t *testing.T) {
		c := newCourier(Delivery{Retry: 1}, every)
		c.send(t0, []ptrace.Traces{threeSpans("a")})
		if n, m := len(c.due(t0)), len(c.due(t0.Add(every))); n != 1 || m != 1 {
			t.Fatalf("retry: %d then %d batches, want 1 then 1", n, m)
		}
	})
	t.Run("late", func(t *testing.T) {
		c := newCourier(Delivery{Late: 10 * time.Second}, every)
		for range 50 {
			c.send(t0, []ptrace.Traces{threeSpans("a")})
		}
		if got := len(c.due(t0.Add(10 * time.Second))); got != 50 || len(c.queue) != 0 {
			t.Fatalf("late: %d of 50 batches within 10s", got)
		}
	})
	t.Run("skew", func(t *testing.T) {
		c := newCourier(Delivery{Skew: 3 * time.Second}, every)
		td := threeSpans("a")
		c.send(t0, []ptrace.Traces{td})
		got := c.due(t0)[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		off := int64(got.At(0).StartTimestamp()) - 1_000_000_000
		if off < -3e9 || off > 3e9 || got.At(2).EndTimestamp()-got.At(2).StartTimestamp() != 1_000_000_000 {
			t.Fatalf("skew: offset %d, durations must stay", off)
		}
	})
}
