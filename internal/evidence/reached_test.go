package evidence

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReached: from frontend, failing calls lead to checkout and on to
// payment; within one hop only checkout; from payment, nowhere; with
// healthy traffic, nowhere either.
func TestReached(t *testing.T) {
	tr := New(Config{})
	now := feed(tr, 0.5)
	assert.Equal(t, []string{"checkout", "payment"}, tr.Reached("frontend", 3, now))
	assert.Equal(t, []string{"checkout"}, tr.Reached("frontend", 1, now))
	assert.Empty(t, tr.Reached("payment", 3, now))
	for _, to := range tr.Reached("frontend", 3, now) {
		assert.Equal(t, Linked, tr.Link("frontend", to, 3, now), to)
	}
	healthy := New(Config{})
	assert.Empty(t, healthy.Reached("frontend", 3, feed(healthy, 0)))
}
