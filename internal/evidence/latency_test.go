package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestUsualKeepsAWarmUpSlowdownOut: a slowdown that begins within the
// warm-up does not become the usual; it reads as slow once warm.
func TestUsualKeepsAWarmUpSlowdownOut(t *testing.T) {
	var u usual
	for range 10 {
		assert.False(t, u.slow(10*time.Millisecond))
	}
	for range latencyWarmup - 10 {
		assert.False(t, u.slow(time.Second), "warming up")
	}
	assert.InDelta(t, float64(10*time.Millisecond), u.mean, 1)
	assert.True(t, u.slow(time.Second))
	assert.False(t, u.slow(12*time.Millisecond))
}
