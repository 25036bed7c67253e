package window

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

func TestSumCoversWindowEndingAtNow(t *testing.T) {
	r := New(time.Minute, 10)
	for m := 0; m < 10; m++ {
		assert.True(t, r.Add(at(m).Add(30*time.Second), 100, float64(m)))
	}
	// At minute 10's boundary its bucket is empty: a 5m window holds
	// minutes 6..9, as rate()[5m] over counters scraped each minute.
	total, bad := r.Sum(at(10), 5*time.Minute)
	assert.Equal(t, 400.0, total)
	assert.Equal(t, 6.0+7+8+9, bad)
	// Mid-minute the newest, partial bucket counts.
	total, _ = r.Sum(at(9).Add(10*time.Second), 5*time.Minute)
	assert.Equal(t, 500.0, total)
	// A window longer than the ring is the ring: minute 0's bucket was
	// reused when the head reached minute 10.
	total, _ = r.Sum(at(9), time.Hour)
	assert.Equal(t, 900.0, total)
}

func TestOldBucketsAgeOut(t *testing.T) {
	r := New(time.Minute, 10)
	r.Add(at(0), 100, 1)
	r.Add(at(5), 100, 1)
	total, _ := r.Sum(at(10), time.Hour)
	assert.Equal(t, 100.0, total, "minute 0 left the ring")
	assert.False(t, r.Add(at(0), 1, 1), "older than the ring")
	total, _ = r.Sum(at(1000), time.Hour)
	assert.Zero(t, total)
}

func TestSnapshotRestore(t *testing.T) {
	r := New(time.Minute, 10)
	for m := 0; m < 15; m++ {
		r.Add(at(m), 10, 1)
	}
	s := r.Snapshot()
	r2 := New(time.Minute, 10)
	assert.True(t, r2.Restore(s))
	for _, w := range []time.Duration{time.Minute, 5 * time.Minute, time.Hour} {
		wt, wb := r.Sum(at(15), w)
		gt, gb := r2.Sum(at(15), w)
		assert.Equal(t, wt, gt)
		assert.Equal(t, wb, gb)
	}
	assert.False(t, New(time.Hour, 10).Restore(s), "other width")
	// A smaller ring keeps the newest buckets.
	r3 := New(time.Minute, 3)
	assert.True(t, r3.Restore(s))
	total, _ := r3.Sum(at(14), time.Hour)
	assert.Equal(t, 30.0, total)
}
