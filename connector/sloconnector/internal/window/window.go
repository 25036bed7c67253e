// Package window holds the fixed-size bucket rings an SLO counts events in.
// A ring of n buckets of width w covers n*w of history in O(n) memory,
// whatever the traffic; sums over any window up to n*w read the newest
// buckets.
package window // import "github.com/quell-otel/quell/connector/sloconnector/internal/window"

import (
	"time"
)

// Ring counts weighted total and bad events in n buckets of one width,
// aligned to absolute time (bucket i covers [i*width, (i+1)*width) since the
// Unix epoch), so rings restored after a restart line up with the clock.
// A Ring is not safe for concurrent use.
type Ring struct {
	width int64 // nanoseconds
	total []float64
	bad   []float64
	// head is the absolute index of the newest bucket written or
	// advanced to; buckets older than head-len+1 are zero.
	head int64
}

// New returns a ring of n buckets of width. n and width must be positive.
func New(width time.Duration, n int) *Ring {
	return &Ring{width: int64(width), total: make([]float64, n), bad: make([]float64, n)}
}

// Len is the number of buckets.
func (r *Ring) Len() int { return len(r.total) }

// Width is the bucket width.
func (r *Ring) Width() time.Duration { return time.Duration(r.width) }

// index is the absolute bucket index of t.
func (r *Ring) index(t time.Time) int64 {
	ns := t.UnixNano()
	i := ns / r.width
	if ns < 0 && ns%r.width != 0 {
		i--
	}
	return i
}

// advance moves head to idx, zeroing the buckets it passes over.
func (r *Ring) advance(idx int64) {
	if idx <= r.head {
		return
	}
	n := int64(len(r.total))
	if idx-r.head >= n {
		clear(r.total)
		clear(r.bad)
	} else {
		for i := r.head + 1; i <= idx; i++ {
			slot := i % n
			r.total[slot], r.bad[slot] = 0, 0
		}
	}
	r.head = idx
}

// Add counts total and bad events at t. It reports false, counting
// nothing, when t is older than the ring's history.
func (r *Ring) Add(t time.Time, total, bad float64) bool {
	idx := r.index(t)
	r.advance(idx)
	n := int64(len(r.total))
	if idx <= r.head-n {
		return false
	}
	slot := idx % n
	r.total[slot] += total
	r.bad[slot] += bad
	return true
}

// Sum returns the total and bad events of the window of width window
// ending at now: the bucket holding now and the buckets before it, window
// divided by the bucket width in all (at least one, at most the ring).
// At a bucket boundary the bucket holding now is still empty, so the sum
// covers exactly the events of the window's other buckets: what a
// Prometheus rate() over [window] sees from counters scraped once per
// bucket.
func (r *Ring) Sum(now time.Time, window time.Duration) (total, bad float64) {
	idx := r.index(now)
	r.advance(idx)
	n := int64(window) / r.width
	if n < 1 {
		n = 1
	}
	size := int64(len(r.total))
	if n > size {
		n = size
	}
	// Buckets at or before head-size were reused by newer ones.
	for i := max(idx-n+1, r.head-size+1); i <= idx; i++ {
		slot := i % size
		if slot < 0 {
			slot += size
		}
		total += r.total[slot]
		bad += r.bad[slot]
	}
	return total, bad
}

// Snapshot is a ring's state for storage.
type Snapshot struct {
	Width int64     `json:"width"`
	Head  int64     `json:"head"`
	Total []float64 `json:"total"`
	Bad   []float64 `json:"bad"`
}

// Snapshot copies the ring's state.
func (r *Ring) Snapshot() Snapshot {
	return Snapshot{Width: r.width, Head: r.head, Total: append([]float64(nil), r.total...), Bad: append([]float64(nil), r.bad...)}
}

// Restore adds a snapshot's buckets that fall inside the ring's history,
// bucket by bucket. It reports false, restoring nothing, when the snapshot's
// bucket width differs from the ring's.
func (r *Ring) Restore(s Snapshot) bool {
	if s.Width != r.width || len(s.Total) != len(s.Bad) {
		return false
	}
	n := int64(len(s.Total))
	for i := s.Head - n + 1; i <= s.Head; i++ {
		slot := i % n
		if slot < 0 {
			slot += n
		}
		if s.Total[slot] == 0 && s.Bad[slot] == 0 {
			continue
		}
		r.Add(time.Unix(0, i*r.width), s.Total[slot], s.Bad[slot])
	}
	return true
}
