package drain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// A snapshot is the tree in a compact binary form, so it survives a restart:
//
//	magic "QDT" | version byte | uvarint depth, max_children, max_tokens, seq
//	node skeleton: uvarint roots, then per root: uvarint length, node
//	node: uvarint children, then per child: string key, node (preorder)
//	uvarint clusters, then per cluster, least recently used first:
//	  uvarint node index (preorder), seq | 8 bytes ID | uvarint tokens,
//	  tokens as strings ("" is the wildcard) | uvarint words, (pos, n) pairs
//
// Strings are a uvarint length and the bytes. The skeleton keeps every
// node, also those whose clusters were evicted, so a full node routes new
// tokens to its wildcard child as before the restart.

// FormatVersion is the snapshot version. Bump it whenever masking or
// matching changes what a line's tokens are: saved templates would no longer
// match the lines they were made from.
const FormatVersion = 1

var magic = []byte("QDT")

// ErrVersion is returned by Decode for a snapshot of another version (or
// not a snapshot at all).
var ErrVersion = errors.New("drain: snapshot of another format version")

// ErrSettings is returned by Decode for a snapshot taken with another depth,
// max_children or max_tokens: its tree has another shape.
var ErrSettings = errors.New("drain: snapshot taken with other tree settings")

// AppendBinary appends the tree's snapshot to b.
func (t *Tree) AppendBinary(b []byte) ([]byte, error) {
	b = append(append(b, magic...), FormatVersion)
	for _, v := range []int{t.s.Depth, t.s.MaxChildren, t.s.MaxTokens} {
		b = binary.AppendUvarint(b, uint64(v))
	}
	b = binary.AppendUvarint(b, t.seq)
	index := map[*node]int{}
	lengths := make([]int, 0, len(t.root))
	for l := range t.root {
		lengths = append(lengths, l)
	}
	slices.Sort(lengths)
	b = binary.AppendUvarint(b, uint64(len(lengths)))
	for _, l := range lengths {
		b = binary.AppendUvarint(b, uint64(l))
		b = appendNode(b, t.root[l], index)
	}
	clusters := t.clusters.Keys() // oldest first
	b = binary.AppendUvarint(b, uint64(len(clusters)))
	for _, c := range clusters {
		b = appendCluster(b, c, index[c.leaves[0]])
	}
	return b, nil
}

func appendNode(b []byte, n *node, index map[*node]int) []byte {
	index[n] = len(index)
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = appendNode(b, n.children[k], index)
	}
	return b
}

func appendCluster(b []byte, c *Cluster, leaf int) []byte {
	b = binary.AppendUvarint(b, uint64(leaf))
	b = binary.AppendUvarint(b, c.seq)
	b = binary.BigEndian.AppendUint64(b, c.id)
	b = binary.AppendUvarint(b, uint64(len(c.tokens)))
	for _, tok := range c.tokens {
		if tok == Wildcard {
			tok = ""
		}
		b = appendString(b, tok)
	}
	b = binary.AppendUvarint(b, uint64(len(c.words)))
	for _, w := range c.words {
		b = binary.AppendUvarint(b, uint64(w.pos))
		b = binary.AppendUvarint(b, uint64(w.n))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Decode returns a tree with settings s holding the snapshot b. Of more
// templates than s.MaxClusters, the most recently used are kept. A snapshot
// of another version returns ErrVersion, one of another tree shape
// ErrSettings; a damaged one another error. No tree is returned on error.
func Decode(s Settings, b []byte) (*Tree, error) {
	t := New(s)
	if len(b) < len(magic)+1 || string(b[:len(magic)]) != string(magic) || b[len(magic)] != FormatVersion {
		return nil, ErrVersion
	}
	r := &reader{b: b[len(magic)+1:]}
	for _, v := range []int{t.s.Depth, t.s.MaxChildren, t.s.MaxTokens} {
		if got := r.uvarint(); r.err == nil && got != uint64(v) {
			return nil, ErrSettings
		}
	}
	t.seq = r.uvarint()
	nodes, lengths := t.readSkeleton(r)
	cs := t.readClusters(r, nodes, lengths)
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errors.New("drain: snapshot has trailing bytes")
	}
	t.restore(cs)
	return t, nil
}

// readSkeleton reads the nodes into t.root and returns them in preorder
// with the token count of the lines each serves.
func (t *Tree) readSkeleton(r *reader) (nodes []*node, lengths []int) {
	roots := r.count(t.s.MaxTokens + 1)
	for range roots {
		l := r.count(t.s.MaxTokens + 1)
		if r.err != nil {
			return nil, nil
		}
		if t.root[l] != nil {
			r.fail("root %d twice", l)
			return nil, nil
		}
		t.root[l] = r.node(0, min(t.s.Depth-2, l), t.s.MaxChildren, l, &nodes, &lengths)
	}
	return nodes, lengths
}

func (r *reader) node(depth, maxDepth, maxChildren, length int, nodes *[]*node, lengths *[]int) *node {
	n := &node{children: map[string]*node{}}
	*nodes, *lengths = append(*nodes, n), append(*lengths, length)
	limit := maxChildren + 1 // a full node also has its wildcard child
	if depth == maxDepth {
		limit = 0
	}
	for range r.count(limit) {
		k := r.string()
		if r.err != nil {
			return n
		}
		if _, dup := n.children[k]; dup {
			// The first child's subtree would be unreachable, and a
			// cluster naming a node in it would be lost at the next save.
			r.fail("child %q twice", k)
			return n
		}
		n.children[k] = r.node(depth+1, maxDepth, maxChildren, length, nodes, lengths)
	}
	return n
}

// readClusters reads the clusters, least recently used first, and checks
// each fits the node it names.
func (t *Tree) readClusters(r *reader, nodes []*node, lengths []int) []*Cluster {
	n := r.count(len(r.b)) // at least a byte per cluster
	cs := make([]*Cluster, 0, min(n, t.s.MaxClusters))
	for i := range n {
		c := t.readCluster(r, nodes, lengths)
		if r.err != nil {
			return nil
		}
		if n-i <= t.s.MaxClusters {
			cs = append(cs, c)
		}
	}
	return cs
}

func (t *Tree) readCluster(r *reader, nodes []*node, lengths []int) *Cluster {
	leaf := r.count(len(nodes) - 1)
	c := &Cluster{seq: r.uvarint(), id: r.uint64()}
	ntok := r.count(t.s.MaxTokens)
	if r.err == nil && ntok != lengths[leaf] {
		r.fail("cluster of %d tokens under a node of %d", ntok, lengths[leaf])
	}
	if r.err != nil {
		return nil
	}
	c.leaves = []*node{nodes[leaf]}
	c.tokens = make([]string, ntok)
	for i := range c.tokens {
		if c.tokens[i] = r.string(); c.tokens[i] == "" {
			c.tokens[i] = Wildcard
		}
	}
	for range r.count(ntok) {
		w := wordCount{pos: int32(r.count(ntok - 1)), n: int32(r.count(math.MaxInt32))}
		c.words = append(c.words, w)
	}
	return c
}

// restore puts the decoded clusters in their leaves in birth order (the
// order a leaf lists them, which breaks ties in matching) and in the LRU in
// the saved order.
func (t *Tree) restore(cs []*Cluster) {
	bySeq := slices.Clone(cs)
	slices.SortFunc(bySeq, func(a, b *Cluster) int { return compareUint(a.seq, b.seq) })
	for _, c := range bySeq {
		t.attach(c, c.leaves[0])
		c.view = &View{Seq: c.seq, ID: idString(c.id)}
		c.setTemplate()
		t.seq = max(t.seq, c.seq)
	}
	for _, c := range cs {
		t.clusters.Add(c, struct{}{})
	}
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// reader decodes a snapshot; the first error sticks and later reads return zero.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("drain: damaged snapshot: "+format, args...)
	}
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a uvarint that must be at most limit.
func (r *reader) count(limit int) int {
	v := r.uvarint()
	if r.err == nil && (limit < 0 || v > uint64(limit)) {
		r.fail("%d above %d", v, limit)
		return 0
	}
	return int(v)
}

func (r *reader) uint64() uint64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.fail("short ID")
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *reader) string() string {
	v := r.uvarint()
	if r.err == nil && v > uint64(len(r.b)) {
		r.fail("string of %d bytes, %d left", v, len(r.b))
	}
	if r.err != nil {
		return ""
	}
	n := int(v)
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
