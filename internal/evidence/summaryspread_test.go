package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSummarySpreadsOverItsBuckets: 10 s summaries ending 5 s into each
// 10 s bucket; checkout's calls to payment begin failing in the one from
// 15 s to 25 s (at 17 s, say). Counted in the bucket of its end, the
// failing spell begins at 20 s, a bucket after the onset; spread over
// the two buckets the interval overlaps, at 10 s, the onset's own. The
// totals stay whole, and a summary inside one bucket lands there.
func TestSummarySpreadsOverItsBuckets(t *testing.T) {
	tr := New(Config{})
	at := time.Unix(1_700_000_000, 0).Truncate(10 * time.Second)
	calls := func(n, failed uint64) Counts {
		return Counts{Edges: map[Edge]EdgeCounts{{From: "checkout", To: "payment"}: {Calls: n, Failed: failed}}}
	}
	for s := -115; s < 15; s += 10 {
		tr.MergeInterval(calls(20, 0), at.Add(time.Duration(s)*time.Second), at.Add(time.Duration(s+10)*time.Second))
	}
	tr.MergeInterval(calls(21, 13), at.Add(15*time.Second), at.Add(25*time.Second))
	since, ok := tr.FailingSince("checkout", "payment", 1, at.Add(25*time.Second))
	require.True(t, ok, "checkout's calls to payment fail")
	assert.True(t, since.Equal(at.Add(10*time.Second)), "failing since %v, the onset's bucket at %v", since, at.Add(10*time.Second))

	parts := spread(at.Add(15*time.Second), at.Add(25*time.Second), 10*time.Second)
	require.Len(t, parts, 2)
	assert.Equal(t, uint32(21), part(21, parts, 0)+part(21, parts, 1))
	assert.Equal(t, uint32(13), part(13, parts, 0)+part(13, parts, 1))
	assert.Equal(t, []bucketShare{{at.Unix()/10 + 2, 1}}, spread(at.Add(21*time.Second), at.Add(29*time.Second), 10*time.Second))
	assert.Equal(t, []bucketShare{{at.Unix()/10 + 2, 1}}, spread(time.Time{}, at.Add(29*time.Second), 10*time.Second), "no interval")
}
