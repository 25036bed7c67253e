package drain

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain/loghub"
)

// indexLines is the loghub development set (the real lines) followed by
// lines that each open a template (churn), some differing from one in one
// word only.
func indexLines(t *testing.T) []string {
	var out []string
	for _, name := range []string{"Android", "BGL", "HPC", "Hadoop", "HealthApp", "Mac", "OpenStack", "Spark", "Thunderbird", "Windows"} {
		lines, err := loghub.Load(filepath.Join("..", "..", "testdata", "loghub", name+".csv.gz"))
		require.NoError(t, err)
		for _, l := range lines {
			out = append(out, l.Content)
		}
	}
	words := []string{"alpha", "bravo", "carol", "delta", "echo", "fox", "golf", "hotel"}
	for i := range 3000 {
		w := func(k int) string { return words[(i/k)%len(words)] + fmt.Sprint(string(rune('a'+i%7))) }
		out = append(out, w(1)+" "+w(3)+" "+w(11)+" took 12 ms for tenant "+w(29))
		out = append(out, w(5)+" "+w(13)+" started")
		out = append(out, "user "+w(17)+" logged in user="+w(2))
		out = append(out, fmt.Sprintf("%d %s %s", i, w(1), w(3)), fmt.Sprintf("%d %d %d", i, i*7, i%13))
	}
	return out
}

// The indexes change no answer: for every line, matching the candidates
// decides as matching the whole leaf does, recurs answers as the walk over
// every template does, and the indexes equal their recomputation from the
// clusters (also under eviction).
func TestIndexAgreesWithScan(t *testing.T) {
	lines := indexLines(t)
	for _, maxClusters := range []int{0, 200} {
		tree := New(Settings{MaxClusters: maxClusters})
		for i, l := range lines {
			masked, _ := tree.tokenize(l)
			masked = append([]string(nil), masked...)
			leaf := tree.leaf(masked)
			full := bestMatch(leaf.clusters, masked)
			fast := bestMatch(tree.candidates(leaf, masked), masked)
			requireSameDecision(t, tree, full, fast, l)
			if full.near != nil && full.nearSim >= tree.s.Similarity {
				require.Equal(t, walkRecurs(tree, full.near, full.nearPos), tree.recurs(full.near, full.nearPos), l)
			}
			tree.Add(l)
			require.Zero(t, tree.Cut(), "no line is compared with more than maxCandidates templates here")
			if i%5000 == 0 || i == len(lines)-1 {
				requireIndexesFresh(t, tree)
			}
		}
	}
}

func requireSameDecision(t *testing.T, tree *Tree, full, fast match, line string) {
	t.Helper()
	if full.best != nil && full.sim >= tree.s.Similarity {
		require.Same(t, full.best, fast.best, line)
		return
	}
	require.False(t, fast.best != nil && fast.sim >= tree.s.Similarity, line)
	if full.near != nil && full.nearSim >= min(tree.s.Similarity, tree.tune.wordSimilarity) {
		require.Same(t, full.near, fast.near, line)
		require.Equal(t, full.nearPos, fast.nearPos, line)
		return
	}
	require.False(t, fast.near != nil && fast.nearSim >= min(tree.s.Similarity, tree.tune.wordSimilarity), line)
}

// walkRecurs is recurs by walking every template of the tree.
func walkRecurs(t *Tree, c *Cluster, pos int) bool {
	w := wordOf(c.tokens[pos])
	if w == "" || stateWord(w) {
		return false
	}
	slot := slotOf(c.tokens, pos)
	for _, o := range t.clusters.Keys() {
		if o == c {
			continue
		}
		for i, tok := range o.tokens {
			if slotOf(o.tokens, i) != slot {
				continue
			}
			if tok == Wildcard && o.isWordSlot(i) || strings.Contains(tok, w) && wordOf(tok) == w {
				return true
			}
		}
	}
	return false
}

// requireIndexesFresh recounts the slots from the clusters and compares,
// and checks every constant token of a live cluster is posted in its leaf
// and the leaf's counts of posted and stale entries add up.
func requireIndexesFresh(t *testing.T, tree *Tree) {
	t.Helper()
	fresh := New(tree.s)
	live := map[*node]int{}
	for _, c := range tree.clusters.Keys() {
		fresh.count(c, c.tokens, 1)
		l := c.leaves[0]
		require.False(t, c.dead)
		if l.postings == nil {
			continue
		}
		for i, tok := range c.tokens {
			if tok != Wildcard {
				require.True(t, slices.Contains(listOf(l, posKey(i, tok)), c), tok)
				live[l]++
			}
		}
		if constants(c.tokens) == 0 {
			require.True(t, slices.Contains(listOf(l, allWild), c))
			live[l]++
		}
	}
	require.Equal(t, fresh.slots, tree.slots, "slots")
	requireLeavesFresh(t, tree)
	for l, n := range live {
		entries := 0
		entries += len(l.postings.one)
		for _, cs := range l.postings.many {
			require.Greater(t, len(cs), 1)
			entries += len(cs)
		}
		require.Equal(t, l.posted, entries, "posted")
		require.Equal(t, n, l.posted-l.stale, "posted less stale")
		require.LessOrEqual(t, 4*l.stale, l.posted, "stale")
	}
}

// A line sharing enough tokens with more than maxCandidates templates is
// compared with maxCandidates of them, and counted.
func TestCandidatesBounded(t *testing.T) {
	tree := New(Settings{})
	spell := func(i int) string {
		b := []byte{'q'}
		for ; i > 0; i /= 26 {
			b = append(b, byte('a'+i%26))
		}
		return string(b)
	}
	n := 2 * maxCandidates
	for i := range n {
		// two words never seen before: joins no template, shares 8 of 10
		// constant tokens with each
		tree.Add("job " + spell(i) + " of user x" + spell(i) + " finished ok on node main")
	}
	require.Equal(t, n, tree.Len())
	require.Positive(t, tree.Cut())
	require.Less(t, tree.Cut(), uint64(n))
	leaf := tree.clusters.Keys()[0].leaves[0]
	masked, _ := tree.tokenize("job new of user xnew finished ok on node main")
	require.Len(t, tree.candidates(leaf, masked), maxCandidates)
}

func listOf(n *node, k uint64) []*Cluster {
	var one [1]*Cluster
	return slices.Clone(n.postings.get(k).all(&one))
}

// requireLeavesFresh checks every leaf lists its live clusters in birth
// order, and counts the dead ones it still lists.
func requireLeavesFresh(t *testing.T, tree *Tree) {
	t.Helper()
	listed := 0
	seen := map[*node]bool{}
	for _, c := range tree.clusters.Keys() {
		l := c.leaves[0]
		if seen[l] {
			continue
		}
		seen[l] = true
		dead := 0
		for i, o := range l.clusters {
			if o.dead {
				dead++
			} else {
				listed++
			}
			if i > 0 {
				require.Less(t, l.clusters[i-1].seq, o.seq, "birth order")
			}
		}
		require.Equal(t, l.dead, dead)
		require.LessOrEqual(t, 8*l.dead, len(l.clusters))
	}
	require.Equal(t, tree.Len(), listed)
}
