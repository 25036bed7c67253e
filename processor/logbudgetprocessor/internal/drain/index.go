package drain

import (
	"slices"

	"github.com/cespare/xxhash/v2"
)

// Indexes that keep the cost of a record independent of the number of
// templates under churn (a flood of new lines). Both are derived from the
// clusters' tokens and word slots, and written only where a cluster enters
// a leaf (attach), widens (join) or leaves (detach).
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
// (checked, then scored like the others). In slots it could take a word
// for a value that recurs nowhere: a lookup among n keys meets another's
// hash with odds n/2^64 (~10^-13 for a million keys).

// indexFrom is the leaf size from which a leaf indexes its clusters; below
// it the scan is as cheap as the lookups.
const indexFrom = 32

// postings lists clusters per key: a key held by one cluster (most tokens
// of a churning leaf: each template's own words) costs a pointer in one,
// others a list in many.
type postings struct {
	one  map[uint64]*Cluster
	many map[uint64][]*Cluster
}

func newPostings() *postings {
	return &postings{one: map[uint64]*Cluster{}, many: map[uint64][]*Cluster{}}
}

func (p *postings) add(k uint64, c *Cluster) {
	if cs, ok := p.many[k]; ok {
		p.many[k] = append(cs, c)
		return
	}
	if o, ok := p.one[k]; ok {
		delete(p.one, k)
		p.many[k] = []*Cluster{o, c}
		return
	}
	p.one[k] = c
}

// get returns the list under k (in l.cs, or l.one when one cluster).
func (p *postings) get(k uint64) (l posting) {
	if o, ok := p.one[k]; ok {
		l.one = o
		return l
	}
	l.cs = p.many[k]
	return l
}

// posKey is the postings key of tok at position i.
func posKey(i int, tok string) uint64 {
	return xxhash.Sum64String(tok) ^ (uint64(i)+1)*0x9e3779b97f4a7c15
}

// slotKey is the slots key of word w in slot; w "" is the slot taken for
// words (a word-slot wildcard).
func slotKey(slot, w string) uint64 {
	return xxhash.Sum64String(slot)*0x9e3779b97f4a7c15 + xxhash.Sum64String(w)
}

// count adds c, whose template is tokens, to the slot counts (delta +1)
// or takes it out (-1).
func (t *Tree) count(c *Cluster, tokens []string, delta int32) {
	for i, tok := range tokens {
		var k uint64
		switch {
		case tok == Wildcard && c.isWordSlot(i):
			k = slotKey(slotOf(tokens, i), "")
		case tok == Wildcard:
			continue
		default:
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

// Postings are removed lazily: a cluster that leaves the leaf is marked
// dead, a position that widens to a wildcard no longer holds the token, and
// candidates skips both; the leaf counts such stale entries and rebuilds
// its postings when they are a quarter of them (so a removal costs O(1)
// amortized, not a search through a token's list, and the evicted clusters
// that stale entries keep from the garbage collector are at most a third
// as many as the leaf's live ones).

// allWild is the postings key of the clusters without a constant token.
const allWild = 0

// post lists the constant tokens of c in n's postings, or c under allWild.
func (n *node) post(c *Cluster) {
	for i, tok := range c.tokens {
		if tok != Wildcard {
			n.add(posKey(i, tok), c)
		}
	}
	if constants(c.tokens) == 0 {
		n.add(allWild, c)
	}
}

func (n *node) add(k uint64, c *Cluster) {
	n.postings.add(k, c)
	n.posted++
}

// repost updates n's postings for c, widened from old: the positions that
// became wildcards are stale, and c is listed under allWild if it has no
// constant left.
func (n *node) repost(c *Cluster, old []string) {
	if n.postings == nil {
		return
	}
	if constants(c.tokens) == 0 {
		n.add(allWild, c)
	}
	n.unpost(constants(old) - constants(c.tokens))
}

// entries is the number of postings of a cluster of tokens.
func entries(tokens []string) int {
	return max(constants(tokens), 1)
}

// unpost counts k of n's postings stale, and rebuilds them from the live
// clusters when a quarter are.
func (n *node) unpost(k int) {
	if n.postings == nil {
		return
	}
	n.stale += k
	if 4*n.stale <= n.posted {
		return
	}
	n.postings, n.posted, n.stale = newPostings(), 0, 0
	for _, c := range n.clusters {
		if !c.dead {
			n.post(c)
		}
	}
}

// constants is the number of constant tokens of tokens.
func constants(tokens []string) int {
	n := 0
	for _, tok := range tokens {
		if tok != Wildcard {
			n++
		}
	}
	return n
}

// attach puts a new cluster in its leaf (last, the leaf keeps birth order)
// and the indexes.
func (t *Tree) attach(c *Cluster, leaf *node) {
	leaf.clusters = append(leaf.clusters, c)
	switch {
	case leaf.postings != nil:
		leaf.post(c)
	case len(leaf.clusters) >= indexFrom:
		leaf.postings = newPostings()
		for _, o := range leaf.clusters {
			if !o.dead {
				leaf.post(o)
			}
		}
	}
	t.count(c, c.tokens, 1)
}

// candidates returns the clusters of leaf a line of tokens may join (see
// postings), in leaf order: all of them when the leaf is not indexed.
func (t *Tree) candidates(leaf *node, tokens []string) []*Cluster {
	if leaf.postings == nil {
		return leaf.clusters
	}
	consts := constants(tokens)
	if consts == 0 {
		return t.wildCandidates(leaf)
	}
	thr := min(t.s.Similarity, t.tune.wordSimilarity)
	k := 0
	for k <= consts && float64(k)/float64(consts) < thr {
		k++
	}
	if k == 0 || k > consts {
		return leaf.clusters
	}
	lists := t.lists[:0]
	for i, tok := range tokens {
		if tok != Wildcard {
			l := leaf.postings.get(posKey(i, tok))
			l.i, l.tok = i, tok
			lists = append(lists, l)
		}
	}
	slices.SortFunc(lists, func(a, b posting) int { return a.len() - b.len() })
	t.lists = lists
	return t.union(lists[:consts-k+1])
}

// posting is the list of clusters that held tok at i: one, or cs.
type posting struct {
	one *Cluster
	cs  []*Cluster
	i   int
	tok string
}

func (l posting) len() int {
	if l.one != nil {
		return 1
	}
	return len(l.cs)
}

// all is the list as a slice (one in the caller's buf).
func (l posting) all(buf *[1]*Cluster) []*Cluster {
	if l.one != nil {
		buf[0] = l.one
		return buf[:]
	}
	return l.cs
}

// maxCandidates bounds the clusters a line is compared with. Lines that
// share most of their constant tokens with many templates they cannot join
// (two words differ, say) would otherwise be compared with all of them.
const maxCandidates = 128

// union returns the live clusters of lists (see unpost) once each, in
// birth order (the order of their leaf): the first maxCandidates found,
// rarest token first (counted in Cut when more were listed).
func (t *Tree) union(lists []posting) []*Cluster {
	t.stamp++
	out := t.cands[:0]
	var one [1]*Cluster
lists:
	for _, l := range lists {
		for _, c := range l.all(&one) {
			if c.stamp == t.stamp || c.dead || c.tokens[l.i] != l.tok {
				continue
			}
			if len(out) == maxCandidates {
				t.cut++
				break lists
			}
			c.stamp = t.stamp
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *Cluster) int { return compareUint(a.seq, b.seq) })
	t.cands = out
	return out
}

// wildCandidates is candidates for a line without a constant token: it
// shares nothing, so it joins the cluster with the most wildcards (the
// first born of those), which is one without a constant when there is one
// (it takes a line of the leaf without a constant, widened to it). Else
// the whole leaf is scanned, and the cluster the line joins has no constant
// left: once per such cluster's life in the leaf.
func (t *Tree) wildCandidates(leaf *node) []*Cluster {
	out := t.cands[:0]
	var one [1]*Cluster
	for _, c := range leaf.postings.get(allWild).all(&one) {
		if !c.dead && constants(c.tokens) == 0 {
			out = append(out, c)
		}
	}
	t.cands = out
	if len(out) == 0 {
		return leaf.clusters
	}
	slices.SortFunc(out, func(a, b *Cluster) int { return compareUint(a.seq, b.seq) })
	return out
}

// drop counts one more dead cluster in n's list, and removes the dead ones
// when they are an eighth of it: removing a cluster from its leaf costs no
// search and no shift of the list (O(1) amortized), and keeps its birth
// order.
func (n *node) drop() {
	n.dead++
	if 8*n.dead > len(n.clusters) {
		n.clusters = slices.DeleteFunc(n.clusters, func(c *Cluster) bool { return c.dead })
		n.dead = 0
	}
}
