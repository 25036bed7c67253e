package alertscenario

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFirstStorms keeps the first storms whole and moves the later ones
// earlier, so the pause between two storms is the gap asked for.
func TestFirstStorms(t *testing.T) {
	s := GenerateFamily(ScaleFreeStorms())
	starts, ends := s.stormBounds()
	require.Len(t, starts, 15, "one run of notifications per storm")
	short := s.FirstStorms(3, time.Minute)
	first, last := short.Notifications[0].At, short.Notifications[len(short.Notifications)-1].At
	assert.Equal(t, starts[0], first, "the first storm does not move")
	want := 2 * time.Minute
	for i := range 3 {
		want += ends[i].Sub(starts[i])
	}
	assert.Equal(t, want, last.Sub(first), "three storms whole, one minute apart")
	kept := 0
	for _, n := range s.Notifications {
		if n.At.Before(ends[2].Add(time.Second)) {
			kept++
		}
	}
	assert.Len(t, short.Notifications, kept)
	// Every episode is kept whole, with its truth.
	perEpisode := map[int]int{}
	for _, n := range short.Notifications {
		perEpisode[n.Episode]++
		assert.False(t, n.StartsAt.After(n.At))
		assert.Equal(t, short.EpisodeFP[n.Episode], n.Fingerprint())
	}
	assert.Len(t, perEpisode, len(short.EpisodeTruth))
	assert.Less(t, len(short.EpisodeTruth), len(s.EpisodeTruth))
	for _, f := range short.Faults {
		assert.False(t, f.From.After(last), "fault at %s outside the kept storms", f.Root)
	}
	assert.NotEmpty(t, short.Faults)
	t.Logf("3 storms: %d episodes, %d faults, %s from first to last notification",
		len(short.EpisodeTruth), len(short.Faults), last.Sub(first))
}
