// Package drain reduces log lines to templates: variable parts of tokens are
// masked by character class (mask.go), then lines are clustered in a
// fixed-depth parse tree in the manner of Drain (He et al., ICWS 2017) so
// lines differing only in variables share one template, while lines
// differing in a word do not (match.go). One pass, online; the cluster table
// is bounded by an LRU.
//
// A Tree is not safe for concurrent use; callers hold a lock. Two parts need
// none: AppendShape (the costly tokenizing half of a lookup) and View (an
// immutable snapshot of a cluster), so a lookup holds the lock only for the
// shape cache probe, and the tree walk on a miss.
package drain // import "github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Wildcard replaces a variable token in a template.
const Wildcard = "<*>"

// Settings tune the tree. Zero values take the defaults noted per field.
type Settings struct {
	// Depth of the parse tree, counting the length layer and the leaf (default 3, minimum 3).
	Depth int
	// Similarity is the share of a line's constant tokens a cluster must have
	// at the same positions for the line to join it (default 0.6).
	Similarity float64
	// MaxChildren bounds the fan-out of an inner node (default 100); further
	// distinct tokens route to the wildcard child.
	MaxChildren int
	// MaxClusters bounds the cluster table (default 10000, least recently used evicted).
	MaxClusters int
	// MaxTokens bounds how many tokens of the first line are considered (default 64).
	MaxTokens int
}

// Cluster is one template.
type Cluster struct {
	tokens  []string
	seq     uint64
	id      uint64
	leaves  []*node
	touched uint64
	view    *View
	// words counts the distinct words seen at a position (in clusters of
	// their own) until it is taken for a variable; usually empty
	words []wordCount
	// stamp marks the cluster taken once as a candidate (see union)
	stamp uint64
	// dead: the cluster left the tree (its postings are stale)
	dead bool
}

// View is a snapshot of a cluster's template taken when it last changed. It
// never changes, so it may be read without the tree's lock.
type View struct {
	// Seq is the cluster's Seq.
	Seq uint64
	// Template is the template text, variables shown as <*>.
	Template string
	// ID is the cluster's IDString.
	ID     string
	tokens []string
}

// View returns the cluster's current snapshot (read it under the tree's lock;
// use it without).
func (c *Cluster) View() *View { return c.view }

// AppendParams appends the variable values of line under v's template (the
// original text at every wildcard position) joined by blanks to dst; n is
// the number of values.
func (v *View) AppendParams(dst []byte, line string) (out []byte, n int) {
	i := 0
	for k := 0; k < len(v.tokens); k++ {
		start, end, kind := nextToken(line, i)
		if kind == tokNone {
			break
		}
		i = end
		if v.tokens[k] == Wildcard {
			if n > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, line[start:end]...)
			n++
		}
	}
	return dst, n
}

// Template returns the template text, variables shown as <*>.
func (c *Cluster) Template() string { return c.view.Template }

// ID is a hash (xxhash64) of the template text the cluster was born with
// (its first line, masked): equal on every instance that saw the same first
// line, and kept when the template widens, so records stamped with it keep
// their group.
func (c *Cluster) ID() uint64 { return c.id }

// Seq is a number fixed at creation on this instance.
func (c *Cluster) Seq() uint64 { return c.seq }

// IDString is ID as 16 hex digits.
func (c *Cluster) IDString() string { return c.view.ID }

type node struct {
	children map[string]*node
	// clusters in birth order; dead ones (detached) are skipped and
	// dropped when an eighth are (see drop)
	clusters []*Cluster
	dead     int
	// postings indexes clusters by token (index.go); nil in a small leaf
	postings *postings
	// posted counts the entries of postings, stale those no longer true
	posted, stale int
}

// Tree is a Drain parse tree.
type Tree struct {
	s        Settings
	root     map[int]*node
	clusters *simplelru.LRU[*Cluster, struct{}]
	masked   []string
	raw      []string
	seq      uint64
	intern   map[string]string
	adds     uint64
	evicted  uint64
	merged   uint64
	// merging: a cluster leaves the LRU because it merged, not evicted
	merging bool
	buf     []byte
	tune    tuning

	// slots counts words per slot over all clusters (index.go); lists,
	// cands and stamp are candidates' scratch
	slots map[uint64]int32
	lists []posting
	cands []*Cluster
	stamp uint64
	cut   uint64

	// gen counts every change to the tree's matching state (nodes, cluster
	// tokens, leaf membership, evictions). While it stands still, Add is a
	// pure function of the masked token sequence, so a line whose masked
	// shape was seen under the same gen gets the same cluster without the
	// tree walk: shapes caches shape -> cluster, checked exactly (the
	// encoded shape is compared byte for byte, not just its hash).
	gen      uint64
	shapes   map[uint64]shapeEntry
	shapeBuf []byte
	// noShapeCache turns the cache off (tests compare both paths)
	noShapeCache bool
}

type shapeEntry struct {
	key []byte
	c   *Cluster
	gen uint64
}

// maxShapes bounds the shape cache (cleared when full).
const maxShapes = 8192

// New returns an empty tree.
func New(s Settings) *Tree {
	if s.Depth < 3 {
		s.Depth = 3
	}
	if s.Similarity <= 0 || s.Similarity > 1 {
		s.Similarity = 0.6
	}
	if s.MaxChildren <= 0 {
		s.MaxChildren = 100
	}
	if s.MaxClusters <= 0 {
		s.MaxClusters = 10000
	}
	if s.MaxTokens <= 0 {
		s.MaxTokens = 64
	}
	t := &Tree{s: s, root: map[int]*node{}, intern: map[string]string{}, shapes: map[uint64]shapeEntry{}, tune: defaultTuning, slots: map[uint64]int32{}}
	t.clusters, _ = simplelru.NewLRU[*Cluster, struct{}](s.MaxClusters, func(c *Cluster, _ struct{}) {
		if !t.merging {
			t.evicted++
		}
		t.detach(c)
	})
	return t
}

// Len is the number of clusters held.
func (t *Tree) Len() int { return t.clusters.Len() }

// Evicted is the number of clusters evicted to keep MaxClusters: the only
// place memory bounds the templates (they are never merged to save room).
// A line of an evicted template opens it again under the same ID when its
// masked text is the one the template was born with.
func (t *Tree) Evicted() uint64 { return t.evicted }

// Merged is the number of clusters merged into another after the fact:
// when a word position of a template becomes a variable, the templates of
// its leaf that split from it on earlier words there (and that its widened
// template now covers) merge into it, so their later lines count under
// one ID. Lines already stamped keep the ID they were given.
func (t *Tree) Merged() uint64 { return t.merged }

// Cut is the number of lines compared with only maxCandidates of the
// templates that shared enough tokens with them (see index.go): their
// answer may differ from a scan of the whole leaf.
func (t *Tree) Cut() uint64 { return t.cut }

// Changes counts changes to the tree's matching state: while it stands
// still, a snapshot would be the same (but for the recency order).
func (t *Tree) Changes() uint64 { return t.gen }

// Add finds the cluster of line, creating or widening one as needed.
func (t *Tree) Add(line string) *Cluster {
	var h uint64
	t.shapeBuf, h = t.AppendShape(t.shapeBuf[:0], line)
	return t.AddShaped(line, t.shapeBuf, h)
}

// AddShaped is Add for a line whose shape (and its hash) AppendShape has
// already computed, perhaps without the lock.
func (t *Tree) AddShaped(line string, shape []byte, h uint64) *Cluster {
	if e, ok := t.shapes[h]; ok && e.gen == t.gen && !t.noShapeCache && bytes.Equal(e.key, shape) {
		t.touch(e.c)
		return e.c
	}
	gen := t.gen
	c := t.add(line)
	if t.gen == gen {
		// nothing changed: the same shape gives c until the tree changes
		if len(t.shapes) >= maxShapes {
			clear(t.shapes)
		}
		t.shapes[h] = shapeEntry{key: bytes.Clone(shape), c: c, gen: gen}
	}
	return c
}

func (t *Tree) add(line string) *Cluster {
	masked, _ := t.tokenize(line)
	leaf := t.leaf(masked)
	m := bestMatch(t.candidates(leaf, masked), masked)
	if m.best != nil && m.sim >= t.s.Similarity {
		t.join(m.best, masked)
		return m.best
	}
	if m.near != nil && t.wordVariable(m) {
		m.near.markWordSlot(m.nearPos)
		t.join(m.near, masked)
		t.absorb(m.near, leaf)
		return m.near
	}
	t.gen++ // a new cluster follows
	t.seq++
	c := &Cluster{tokens: append([]string(nil), masked...), leaves: []*node{leaf}, seq: t.seq}
	c.setTemplate()
	t.attach(c, leaf)
	t.clusters.Add(c, struct{}{})
	return c
}

// touch marks c recently used; the LRU list is only reordered once per
// touchEvery adds, which keeps hits cheap and the eviction order close enough.
func (t *Tree) touch(c *Cluster) {
	t.adds++
	if t.adds-c.touched >= touchEvery {
		c.touched = t.adds
		t.clusters.Get(c)
	}
}

const touchEvery = 256

// Params returns the variable values of line under c's template: the
// original text at every wildcard position.
func (t *Tree) Params(c *Cluster, line string) []string {
	_, raw := t.tokenize(line)
	var out []string
	for i, tok := range c.tokens {
		if tok == Wildcard && i < len(raw) {
			out = append(out, raw[i])
		}
	}
	return out
}

func (c *Cluster) setTemplate() {
	template := strings.Join(c.tokens, " ")
	id := ""
	if c.view == nil {
		// the ID is the hash of the template the cluster was born with and
		// stays when it widens: records already stamped keep their group
		c.id = xxhash.Sum64String(template)
		id = idString(c.id)
	} else {
		id = c.view.ID
	}
	// a new snapshot: holders of the old one keep reading it safely (the
	// tokens are shared: they are copied on write, never changed in place)
	c.view = &View{Seq: c.seq, Template: template, ID: id, tokens: c.tokens}
}

func idString(id uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], id)
	return hex.EncodeToString(b[:])
}

func (t *Tree) detach(c *Cluster) {
	t.gen++
	t.count(c, c.tokens, -1)
	c.dead = true
	for _, l := range c.leaves {
		l.drop()
		l.unpost(entries(c.tokens))
	}
}

func (t *Tree) leaf(tokens []string) *node {
	n := t.root[len(tokens)]
	if n == nil {
		n = &node{children: map[string]*node{}}
		t.root[len(tokens)] = n
		t.gen++
	}
	for d := 0; d < t.s.Depth-2 && d < len(tokens); d++ {
		tok := tokens[d]
		next := n.children[tok]
		if next == nil {
			if len(n.children) >= t.s.MaxChildren {
				tok = Wildcard
				next = n.children[tok]
			}
			if next == nil {
				next = &node{children: map[string]*node{}}
				n.children[tok] = next
				t.gen++
			}
		}
		n = next
	}
	return n
}

// tokenize splits the first line of s on blanks into at most MaxTokens tokens.
// A token opening a quote runs to the closing quote. raw holds the original
// tokens; masked the tokens with variables replaced (whole token, or the value
// of key=value, keeping surrounding brackets and punctuation).
func (t *Tree) tokenize(s string) (masked, raw []string) {
	masked, raw = t.masked[:0], t.raw[:0]
	i := 0
	for len(raw) < t.s.MaxTokens {
		start, end, kind := nextToken(s, i)
		if kind == tokNone {
			break
		}
		i = end
		tok := s[start:end]
		raw = append(raw, tok)
		afterVar := len(masked) > 0 && strings.HasSuffix(masked[len(masked)-1], Wildcard)
		if (kind == tokPlain || kind == tokMarked) && !plainMasked(tok, kind, afterVar) {
			masked = append(masked, tok)
			continue
		}
		masked = append(masked, t.mask(tok, kind, afterVar))
	}
	t.masked, t.raw = masked, raw
	return masked, raw
}

// AppendShape appends the masked token sequence of line (what tokenize
// returns as masked) to b, each token prefixed by its length, and returns it
// with its hash. It builds no strings and reads only the settings, so it is
// safe for concurrent use.
func (t *Tree) AppendShape(b []byte, s string) ([]byte, uint64) {
	start0 := len(b)
	i, n := 0, 0
	for ; n < t.s.MaxTokens; n++ {
		start, end, kind := nextToken(s, i)
		if kind == tokNone {
			break
		}
		i = end
		tok := s[start:end]
		// a fixed-width length, written once the masked token is known
		mark := len(b)
		b = append(b, 0, 0, 0, 0)
		switch {
		case kind == tokSpecial:
			b = appendMasked(b, tok)
		case kind == tokQuoted:
			b = appendQuoted(b, tok)
		case kind == tokPlain && !maybeShort(tok, n > 0 && endsWildcard(b[:mark])):
			b = append(b, tok...) // a word (the common case, kept inline)
		default:
			b = appendPlain(b, tok, kind, n > 0 && endsWildcard(b[:mark]))
		}
		binary.LittleEndian.PutUint32(b[mark:], uint32(len(b)-mark-4))
	}
	return b, xxhash.Sum64(b[start0:])
}

// token kinds returned by nextToken
const (
	tokNone    = iota // no token left on the first line
	tokPlain          // no digit, quote, '.', '@' or '=': a word (or a unit or date word)
	tokMarked         // plain but for a '.', '@' or '=': may be a named value
	tokSpecial        // may hold a variable: see mask
	tokQuoted         // a whole quoted string: a variable
)

// nextToken finds the token of the first line of s starting at or after i.
// A token opening a quote runs to the closing quote.
func nextToken(s string, i int) (start, end, kind int) {
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	if i >= len(s) || s[i] == '\n' {
		return i, i, tokNone
	}
	start = i
	if q := s[i]; q == '"' || q == '\'' || q == '`' {
		if j := strings.IndexByte(s[i+1:], q); j >= 0 {
			i += j + 2
			for i < len(s) && !isBlank(s[i]) && s[i] != '\n' {
				i++
			}
			return start, i, tokQuoted
		}
	}
	// most tokens are plain words: note digits and quotes while scanning
	// so those skip the masking rules
	kind = tokPlain
	for {
		for i < len(s) && byteClass[s[i]] == 0 {
			i++
		}
		if i >= len(s) || byteClass[s[i]] != classMark {
			break
		}
		// a full stop ending the token marks nothing
		if s[i] != '.' || i+1 < len(s) && byteClass[s[i+1]]&classEnd == 0 {
			kind = tokMarked
		}
		i++
	}
	// once the token is special, digits no longer stop the scan: only its
	// end and quotes do
	for i < len(s) {
		c := s[i]
		cls := byteClass[c]
		if cls&classEnd != 0 {
			break
		}
		kind = tokSpecial
		if cls&classQuote != 0 && i > start && s[i-1] == '=' {
			// key="quoted value with blanks"
			if j := strings.IndexByte(s[i+1:], c); j >= 0 {
				i += j + 2
				continue
			}
		}
		i++
		for i < len(s) && byteClass[s[i]]&(classEnd|classQuote) == 0 {
			i++
		}
	}
	if kind == tokSpecial {
		i = withUnit(s, start, i)
	}
	return start, i, kind
}

// withUnit extends a number ending at end by the unit after it, one blank
// away (`1.16 KB`, `<1 sec`, `820 ms`): one value, whichever the unit, so a
// size or duration is one token whether it has a unit or not (`00:12`).
func withUnit(s string, start, end int) int {
	last := end - 1
	for last > start && isClose(s[last]) {
		last--
	}
	if s[last] < '0' || s[last] > '9' || end+1 >= len(s) || s[end] != ' ' {
		return end
	}
	j := end + 1
	for j < len(s) && j-end <= 8 && byteClass[s[j]]&classEnd == 0 {
		j++
	}
	if j-end > 8 {
		return end
	}
	if _, core, _ := splitPunct(s[end+1 : j]); isUnit(core) {
		return j
	}
	return end
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// Byte classes for the tokenizer's inner loop (one table lookup per byte).
const (
	classEnd   = 1 << iota // blank or newline: ends a token
	classDigit             // makes a token a variable candidate (so do path separators)
	classQuote             // may open a quoted value
	classMark              // '.', '@', '=': a plain token holding one may be a named value
)

var byteClass = func() (t [256]uint8) {
	for _, c := range " \t\r\n" {
		t[c] = classEnd
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	t['/'], t['\\'] = classDigit, classDigit
	for _, c := range "\"'`" {
		t[c] = classQuote
	}
	t['.'], t['@'], t['='] = classMark, classMark, classMark
	return t
}()
