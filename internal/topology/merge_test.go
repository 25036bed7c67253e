package topology

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestMergedDeltasEqualLearnedGraph learns edges on an observer, forwards
// its deltas to a second graph and expects the same edges, kinds and counts.
func TestMergedDeltasEqualLearnedGraph(t *testing.T) {
	at := time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)
	observed, merged := New(Config{}), New(Config{})
	merged.AddStatic(map[string][]string{"cart": {"redis"}})
	l := NewLearner(observed, LearnerConfig{})
	batches := []ptrace.Traces{
		traces(1, spanSpec{service: "frontend", kind: ptrace.SpanKindClient, id: 1}, spanSpec{service: "checkout", kind: ptrace.SpanKindServer, id: 2, parent: 1}),
		traces(2, spanSpec{service: "frontend", kind: ptrace.SpanKindClient, id: 1}, spanSpec{service: "checkout", kind: ptrace.SpanKindServer, id: 2, parent: 1}),
		traces(3, spanSpec{service: "checkout", kind: ptrace.SpanKindClient, id: 1, dbSystem: "postgresql"}),
	}
	for i, td := range batches {
		l.Observe(td, at)
		if i != 0 { // the first delta waits for the second batch
			for _, d := range observed.Deltas() {
				_, err := merged.Merge(d, at)
				require.NoError(t, err)
			}
		}
	}
	assert.Empty(t, observed.Deltas(), "nothing new since the last call")
	want := observed.Snapshot().Edges
	got := merged.Snapshot()
	var learned []SnapshotEdge
	for _, e := range got.Edges {
		if e.Source == SourceLearned {
			learned = append(learned, e)
		}
	}
	assert.Equal(t, want, learned)
	assert.Equal(t, uint64(2), learned[1].Count, "frontend -> checkout, twice")
	assert.Equal(t, 1, got.StaticEdges)
}
