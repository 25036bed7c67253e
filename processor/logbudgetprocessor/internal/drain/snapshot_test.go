package drain

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func snapshot(t testing.TB, tr *Tree) []byte {
	t.Helper()
	b, err := tr.AppendBinary(nil)
	require.NoError(t, err)
	return b
}

// TestSnapshotRoundTrip: a tree decoded from a snapshot of a tree fed the
// first half of the fixture holds the same templates and IDs, and the second
// half lands exactly as it does in the tree that never restarted.
func TestSnapshotRoundTrip(t *testing.T) {
	_, daemons := loadGroups(t, "testdata/daemons.txt")
	// the daemon lines take words for variables (value slots, merges)
	for name, lines := range map[string][]string{"labelled": fixtureLines(t), "daemons": daemons} {
		t.Run(name, func(t *testing.T) { testRoundTrip(t, lines) })
	}
}

func testRoundTrip(t *testing.T, lines []string) {
	half := len(lines) / 2
	s := Settings{MaxChildren: 4} // full nodes route to their wildcard child
	a := New(s)
	for _, l := range lines[:half] {
		a.Add(l)
	}
	b, err := Decode(s, snapshot(t, a))
	require.NoError(t, err)
	require.Equal(t, a.Len(), b.Len())
	assert.Equal(t, snapshot(t, a), snapshot(t, b), "a snapshot of the decoded tree is the same bytes")
	for _, l := range lines {
		ca, cb := a.Add(l), b.Add(l)
		require.Equal(t, ca.IDString(), cb.IDString(), l)
		require.Equal(t, ca.Template(), cb.Template(), l)
		require.Equal(t, ca.Seq(), cb.Seq(), l)
	}
	assert.Equal(t, a.Len(), b.Len())
}

func TestSnapshotRefused(t *testing.T) {
	a := New(Settings{})
	for _, l := range fixtureLines(t)[:200] {
		a.Add(l)
	}
	b := snapshot(t, a)

	other := append([]byte(nil), b...)
	other[len(magic)] = FormatVersion + 1
	_, err := Decode(Settings{}, other)
	require.ErrorIs(t, err, ErrVersion)
	_, err = Decode(Settings{}, []byte(`{"json":true}`))
	require.ErrorIs(t, err, ErrVersion)
	_, err = Decode(Settings{Depth: 4}, b)
	require.ErrorIs(t, err, ErrSettings)
	_, err = Decode(Settings{MaxTokens: 32}, b)
	require.ErrorIs(t, err, ErrSettings)
	for _, n := range []int{len(b) - 1, len(b) / 2, len(magic) + 3} {
		_, err = Decode(Settings{}, b[:n])
		require.Error(t, err, "cut at %d", n)
	}
	_, err = Decode(Settings{}, append(b, 0))
	require.Error(t, err)
}

// TestSnapshotBoundedByMaxClusters: decoding into a smaller table keeps the
// most recently used templates.
func TestSnapshotBoundedByMaxClusters(t *testing.T) {
	a := New(Settings{})
	var last *Cluster
	for _, l := range fixtureLines(t) {
		last = a.Add(l)
	}
	require.Greater(t, a.Len(), 10)
	b, err := Decode(Settings{MaxClusters: 10}, snapshot(t, a))
	require.NoError(t, err)
	assert.Equal(t, 10, b.Len())
	keys := b.clusters.Keys()
	assert.Equal(t, last.IDString(), keys[len(keys)-1].IDString(), "the newest is kept")
	want := a.clusters.Keys()[a.Len()-10:]
	for i := range keys {
		assert.Equal(t, want[i].IDString(), keys[i].IDString())
	}
}

// FuzzDecode: no input makes Decode panic, and what it accepts matches lines
// and snapshots back to the same bytes.
func FuzzDecode(f *testing.F) {
	a := New(Settings{MaxTokens: 8, MaxChildren: 2})
	for _, l := range []string{"user 12 logged in", "user bob logged out", "disk /dev/sda 91% full", "a", "", "x y z"} {
		a.Add(l)
	}
	seed, _ := a.AppendBinary(nil)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Decode(Settings{MaxTokens: 8, MaxChildren: 2}, b)
		if err != nil {
			return
		}
		again := snapshot(t, tr)
		tr2, err := Decode(Settings{MaxTokens: 8, MaxChildren: 2}, again)
		require.NoError(t, err)
		require.Equal(t, again, snapshot(t, tr2))
		tr.Add("user 7 logged in")
		tr.Add("x y z")
	})
}
