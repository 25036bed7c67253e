package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestFresh: failures that began in the newest buckets read Fresh along
// the path; failures that began a minute ago read Linked but not Fresh;
// healthy calls read neither.
func TestFresh(t *testing.T) {
	for _, tt := range []struct {
		name       string
		failingFor time.Duration
		linked     bool
		fresh      bool
	}{
		{"began moments ago", 12 * time.Second, true, true},
		{"began a minute ago", time.Minute, true, false},
		{"healthy", 0, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(Config{})
			n := uint64(0)
			at := t0
			end := t0.Add(10 * time.Minute)
			for ; at.Before(end); at = at.Add(time.Second) {
				n++
				failing := end.Sub(at) <= tt.failingFor
				tr.Observe(call(n, failing && n%2 == 1), at)
			}
			assert.Equal(t, tt.linked, tr.Link("frontend", "payment", 3, at) == Linked)
			assert.Equal(t, tt.fresh, tr.Fresh("frontend", "payment", 3, at))
			assert.Equal(t, tt.fresh, tr.Fresh("checkout", "payment", 1, at))
			assert.False(t, tr.Fresh("frontend", "payment", 1, at), "one hop is not enough to reach payment")
		})
	}
}
