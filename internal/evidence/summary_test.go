package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMergedSummariesEqualObservedSpans feeds the same traffic to one
// tracker directly and to another through a Summarizer taken every bucket:
// both must tell the same story.
func TestMergedSummariesEqualObservedSpans(t *testing.T) {
	direct, merged := New(Config{}), New(Config{})
	sum := NewSummarizer(SummarizerConfig{MaxServices: 100, MaxEdges: 100, MaxExemplars: 2})
	n := uint64(0)
	at := t0
	for ; at.Before(t0.Add(11 * time.Minute)); at = at.Add(time.Second) {
		n++
		td := call(n, at.After(t0.Add(10*time.Minute)) && n%2 == 0)
		direct.Observe(td, at)
		sum.Observe(td)
		if at.Add(time.Second).Sub(t0)%(10*time.Second) == 0 {
			c, o := sum.Take()
			assert.Zero(t, o)
			merged.Merge(c, at)
		}
	}
	now := at.Add(-time.Second)
	for _, svc := range chain {
		assert.Equal(t, direct.Origin(svc, now), merged.Origin(svc, now), svc)
		assert.Equal(t, direct.Quiet(svc, now), merged.Quiet(svc, now), svc)
	}
	require.True(t, merged.Origin("payment", now).Anomalous)
	assert.Equal(t, direct.Link("frontend", "payment", 3, now), merged.Link("frontend", "payment", 3, now))
	assert.Equal(t, Linked, merged.Link("checkout", "payment", 1, now))
	assert.Equal(t, direct.Line("payment", chain, 3, now), merged.Line("payment", chain, 3, now))
}

func TestSummarizerBoundsAndExemplars(t *testing.T) {
	sum := NewSummarizer(SummarizerConfig{MaxServices: 3, MaxEdges: 1, MaxExemplars: 2})
	for n := uint64(1); n <= 3; n++ {
		sum.Observe(call(n, true))
	}
	c, o := sum.Take()
	assert.Len(t, c.Services, 3)
	assert.Equal(t, map[Edge]EdgeCounts{{"frontend", "checkout"}: {Calls: 3, Failed: 3}}, c.Edges)
	// checkout -> payment, once per call, past the edge bound.
	assert.Equal(t, Overflow{Edges: 3}, o)
	p := c.Services["payment"]
	assert.Equal(t, uint64(3), p.Spans)
	assert.Equal(t, uint64(3), p.Origins)
	require.Len(t, p.Exemplars, 2, "the newest two")
	assert.Equal(t, call(3, true).ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID(), p.Exemplars[1])
	assert.Equal(t, uint64(0), c.Services["checkout"].Origins, "checkout fails only through payment")
	c, o = sum.Take()
	assert.Empty(t, c.Services)
	assert.Empty(t, c.Edges)
	assert.Zero(t, o)
}
