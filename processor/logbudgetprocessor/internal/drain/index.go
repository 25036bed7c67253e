package drain

import (
	"slices"

	"github.com/cespare/xxhash/v2"
)

// Indexes that keep the cost of a record independent of the number of
// templates under churn (a flood of new lines). Both are derived from the
// clusters' tokens and word slots; index and unindex are their one writer,
// called where a cluster enters a leaf, widens, or leaves.
//
// postings (per leaf, built once the leaf holds indexFrom clusters) lists
// the clusters holding each constant token at each position. A line can
// only join a cluster (or differ from it in one word and join it) when it
// shares at least k of its c constant tokens with it at the same positions
// (k the least with k/c >= the lower of Similarity and the word
// similarity), so such a cluster holds one of any c-k+1 of the line's
// constant tokens: matching scores only the clusters listed under the
// line's c-k+1 rarest tokens, in leaf order, which gives the answer the
// full scan gives.
//
// slots (per tree) counts the clusters holding each word in each slot, and
// the slots taken for words: recurs reads it instead of walking the tree.
//
// Keys are 64-bit hashes. In postings a collision only adds a candidate
// (scored like the others). In slots it could take a word for a value
// that recurs nowhere: at 10^5 templates of 10 words the odds are ~10^-8.

// indexFrom is the leaf size from which a leaf indexes its clusters; below
// it the scan is as cheap as the lookups.
const indexFrom = 32

type postings map[uint64][]*Cluster

// posKey is the postings key of tok at position i.
func posKey(i int, tok string) uint64 {
	return xxhash.Sum64String(tok) ^ (uint64(i)+1)*0x9e3779b97f4a7c15
}

// slotKey is the slots key of word w in slot; w "" is the slot taken for
// words (a word-slot wildcard).
func slotKey(slot, w string) uint64 {
	return xxhash.Sum64String(slot)*0x9e3779b97f4a7c15 + xxhash.Sum64String(w)
}

// index adds c, whose template is tokens, to the indexes (delta +1) or
// removes it (-1).
func (t *Tree) index(c *Cluster, tokens []string, delta int32) {
	for i, tok := range tokens {
		var k uint64
		switch {
		case tok == Wildcard && c.isWordSlot(i):
			k = slotKey(slotOf(tokens, i), "")
		case tok == Wildcard:
			continue
		default:
			for _, l := range c.leaves {
				l.post(c, i, tok, delta)
			}
			w := wordOf(tok)
			if w == "" {
				continue
			}
			k = slotKey(slotOf(tokens, i), w)
		}
		if n := t.slots[k] + delta; n > 0 {
			t.slots[k] = n
		} else {
			delete(t.slots, k)
		}
	}
}

// post adds c to (delta +1) or removes it from the postings of tok at i.
func (n *node) post(c *Cluster, i int, tok string, delta int32) {
	if n.postings == nil {
		return
	}
	k := posKey(i, tok)
	if delta > 0 {
		n.postings[k] = append(n.postings[k], c)
		return
	}
	cs := n.postings[k]
	if j := slices.Index(cs, c); j >= 0 {
		cs[j] = cs[len(cs)-1]
		cs[len(cs)-1] = nil
		cs = cs[:len(cs)-1]
	}
	if len(cs) == 0 {
		delete(n.postings, k)
	} else {
		n.postings[k] = cs
	}
}

// attach puts a new cluster in its leaf (last, the leaf keeps birth order)
// and the indexes.
func (t *Tree) attach(c *Cluster, leaf *node) {
	leaf.clusters = append(leaf.clusters, c)
	if leaf.postings == nil && len(leaf.clusters) >= indexFrom {
		leaf.postings = postings{}
		for _, o := range leaf.clusters[:len(leaf.clusters)-1] {
			for i, tok := range o.tokens {
				if tok != Wildcard {
					leaf.post(o, i, tok, 1)
				}
			}
		}
	}
	t.index(c, c.tokens, 1)
}

// candidates returns the clusters of leaf a line of tokens may join (see
// postings), in leaf order: all of them when the leaf is not indexed.
func (t *Tree) candidates(leaf *node, tokens []string) []*Cluster {
	if leaf.postings == nil {
		return leaf.clusters
	}
	consts := 0
	for _, tok := range tokens {
		if tok != Wildcard {
			consts++
		}
	}
	thr := min(t.s.Similarity, t.tune.wordSimilarity)
	k := 0
	for k <= consts && float64(k)/float64(max(consts, 1)) < thr {
		k++
	}
	if consts == 0 || k == 0 || k > consts {
		return leaf.clusters
	}
	lists := t.lists[:0]
	for i, tok := range tokens {
		if tok != Wildcard {
			lists = append(lists, leaf.postings[posKey(i, tok)])
		}
	}
	slices.SortFunc(lists, func(a, b []*Cluster) int { return len(a) - len(b) })
	t.lists = lists
	return t.union(lists[:consts-k+1])
}

// union returns the clusters of lists once each in birth order (the order
// of their leaf).
func (t *Tree) union(lists [][]*Cluster) []*Cluster {
	t.stamp++
	out := t.cands[:0]
	for _, l := range lists {
		for _, c := range l {
			if c.stamp != t.stamp {
				c.stamp = t.stamp
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Cluster) int { return compareUint(a.seq, b.seq) })
	t.cands = out
	return out
}
