package evidence

import (
	"math"
	"time"
)

// Where a summary's counts land. A summary counts an observer's spans of
// the interval from its start to its end; with 10 s summaries and 10 s
// buckets most intervals straddle two buckets, and counted in the bucket
// of the end every count of the interval's first part reads up to a
// bucket late: an onset that falls in the earlier bucket reads in the
// later one, with the counts before it (ninety-seventh pass,
// EVALUATION.md, TestObserverDiag). The summary says nothing finer than
// its interval, so its counts are spread over the buckets the interval
// overlaps in proportion to the overlap, as a steady rate within the
// interval would have put them; every total stays whole (cumulative
// rounding). A summary of no known interval, or one inside one bucket,
// lands in the bucket of its end as before.

// bucketShare is a bucket a summary's interval overlaps and the share of
// the interval up to that bucket's end (cumulative; the last is 1).
type bucketShare struct {
	b   int64
	cum float64
}

// maxSpreadBuckets bounds the buckets one summary is spread over: a
// longer interval's oldest part is older than any window.
const maxSpreadBuckets = 64

// spread returns the buckets of width that the interval from start to at
// overlaps, oldest first, with their cumulative shares.
func spread(start, at time.Time, width time.Duration) []bucketShare {
	end, w := at.UnixNano(), int64(width)
	last := end / w
	if start.IsZero() || !start.Before(at) {
		return []bucketShare{{last, 1}}
	}
	s := start.UnixNano()
	first := max(s/w, last-maxSpreadBuckets+1)
	s = max(s, first*w)
	out := make([]bucketShare, 0, last-first+1)
	for b := first; b <= last; b++ {
		out = append(out, bucketShare{b, float64(min((b+1)*w, end)-s) / float64(end-s)})
	}
	out[len(out)-1].cum = 1
	return out
}

// part is n's share in parts[i].
func part(n uint64, parts []bucketShare, i int) uint32 {
	upTo := func(j int) uint64 {
		if j < 0 {
			return 0
		}
		return uint64(math.Round(float64(n) * parts[j].cum))
	}
	return clamp32(upTo(i) - upTo(i-1))
}
