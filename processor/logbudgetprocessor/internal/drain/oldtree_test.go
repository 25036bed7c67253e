// Code below is the template tree as it was before issue 18 (main at
// b7505ef), kept only so BenchmarkTree can measure both in one run.

package drain_test

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
	tokens []string
	seq    uint64
	id     uint64
	leaves []*node
	// tail: the last wildcard stands for any number of tokens (a free-text
	// detail after "prefix:")
	tail    bool
	touched uint64
	view    *View
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

// ID is a hash (xxhash64) of the template text: equal on every instance for
// equal templates.
func (c *Cluster) ID() uint64 { return c.id }

// Seq is a number fixed at creation, unlike ID, which follows the template
// text as it widens.
func (c *Cluster) Seq() uint64 { return c.seq }

// IDString is ID as 16 hex digits.
func (c *Cluster) IDString() string { return c.view.ID }

type node struct {
	children map[string]*node
	clusters []*Cluster
}

// Tree is a Drain parse tree.
type Tree struct {
	s        Settings
	root     map[int]*node
	clusters *simplelru.LRU[*Cluster, struct{}]
	masked   []string
	raw      []string
	seq      uint64
	byFirst  map[string][]*Cluster
	intern   map[string]string
	adds     uint64
	buf      []byte

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
	t := &Tree{s: s, root: map[int]*node{}, byFirst: map[string][]*Cluster{}, intern: map[string]string{}, shapes: map[uint64]shapeEntry{}}
	t.clusters, _ = simplelru.NewLRU[*Cluster, struct{}](s.MaxClusters, func(c *Cluster, _ struct{}) {
		t.detach(c)
	})
	return t
}

// Len is the number of clusters held.
func (t *Tree) Len() int { return t.clusters.Len() }

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
	best, sim := bestMatch(leaf.clusters, masked)
	if best != nil && sim >= t.s.Similarity {
		if widen(best, masked) {
			t.gen++
			best.setTemplate()
		}
		t.touch(best)
		return best
	}
	// Drain keys clusters by token count, so a free-text detail of varying
	// length after "prefix:" (a wrapped Go error, a reason) would split a
	// template: join a cluster sharing the whole prefix up to a token ending
	// in ':' and let the rest be one variable tail.
	t.gen++ // a tail join or a new cluster follows
	if c := t.tailMatch(masked); c != nil {
		c.leaves = append(c.leaves, leaf)
		leaf.clusters = append(leaf.clusters, c)
		t.touch(c)
		return c
	}
	t.seq++
	c := &Cluster{tokens: append([]string(nil), masked...), leaves: []*node{leaf}, seq: t.seq}
	c.setTemplate()
	leaf.clusters = append(leaf.clusters, c)
	t.clusters.Add(c, struct{}{})
	if len(masked) > 0 {
		t.byFirst[masked[0]] = append(t.byFirst[masked[0]], c)
	}
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

// minTailPrefix is the least number of constant tokens a shared prefix needs
// before a differing tail may be folded into one variable.
const minTailPrefix = 4

func (t *Tree) tailMatch(tokens []string) *Cluster {
	if len(tokens) == 0 {
		return nil
	}
	for _, c := range t.byFirst[tokens[0]] {
		if c.tail {
			if k := len(c.tokens) - 1; len(tokens) >= k && prefixEqual(c.tokens[:k], tokens[:k]) {
				return c
			}
			continue
		}
		// longest shared prefix ending in a "field:" token
		k, consts := 0, 0
		cut := -1
		for k < len(c.tokens) && k < len(tokens) && c.tokens[k] == tokens[k] {
			if tokens[k] != Wildcard {
				consts++
			}
			if strings.HasSuffix(tokens[k], ":") && consts >= minTailPrefix {
				cut = k + 1
			}
			k++
		}
		if cut < 0 || cut >= len(tokens) || cut >= len(c.tokens) || k == len(tokens) && k == len(c.tokens) {
			continue
		}
		// a new slice: the cluster's View shares the old one
		c.tokens = append(append(make([]string, 0, cut+1), c.tokens[:cut]...), Wildcard)
		c.tail = true
		c.setTemplate()
		return c
	}
	return nil
}

func prefixEqual(tmpl, tokens []string) bool {
	for i, tok := range tmpl {
		if tok != Wildcard && tok != tokens[i] {
			return false
		}
	}
	return true
}

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
	c.id = xxhash.Sum64String(template)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], c.id)
	// a new snapshot: holders of the old one keep reading it safely (the
	// tokens are shared: they are copied on write, never changed in place)
	c.view = &View{Seq: c.seq, Template: template, ID: hex.EncodeToString(b[:]), tokens: c.tokens}
}

func (t *Tree) detach(c *Cluster) {
	t.gen++
	for _, l := range c.leaves {
		l.clusters = removeCluster(l.clusters, c)
	}
	if len(c.tokens) > 0 {
		first := c.tokens[0]
		if rest := removeCluster(t.byFirst[first], c); len(rest) > 0 {
			t.byFirst[first] = rest
		} else {
			delete(t.byFirst, first)
		}
	}
}

func removeCluster(cs []*Cluster, c *Cluster) []*Cluster {
	for i, x := range cs {
		if x == c {
			return append(cs[:i], cs[i+1:]...)
		}
	}
	return cs
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

// bestMatch scores clusters by the share of the line's constant tokens (not
// masked variables) they share at the same position. Masked positions carry
// no evidence either way, so lines made mostly of variables are matched on
// their few constants, and a widened template does not swallow everything.
func bestMatch(cs []*Cluster, tokens []string) (*Cluster, float64) {
	var best *Cluster
	bestSim, bestWild := -1.0, -1
	consts := 0
	for _, tok := range tokens {
		if tok != Wildcard {
			consts++
		}
	}
	for _, c := range cs {
		if c.tail {
			if k := len(c.tokens) - 1; len(tokens) >= k && prefixEqual(c.tokens[:k], tokens[:k]) {
				return c, 1
			}
			continue
		}
		eq, wild := 0, 0
		for i, tok := range c.tokens {
			if tok == Wildcard {
				wild++
			}
			if tokens[i] != Wildcard && tok == tokens[i] {
				eq++
			}
		}
		sim := 1.0
		if consts > 0 {
			sim = float64(eq) / float64(consts)
		}
		if sim > bestSim || (sim == bestSim && wild > bestWild) {
			best, bestSim, bestWild = c, sim, wild
		}
	}
	return best, bestSim
}

func widen(c *Cluster, tokens []string) bool {
	if c.tail {
		return false
	}
	var out []string
	for i, tok := range c.tokens {
		if tok != Wildcard && tok != tokens[i] {
			if out == nil {
				// copy on write: the cluster's View shares the old tokens
				out = append([]string(nil), c.tokens...)
			}
			out[i] = Wildcard
		}
	}
	if out == nil {
		return false
	}
	c.tokens = out
	return true
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
		switch kind {
		case tokQuoted:
			masked = append(masked, Wildcard)
		case tokSpecial:
			masked = append(masked, t.mask(tok))
		default:
			masked = append(masked, tok)
		}
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
		switch kind {
		case tokQuoted:
			b = append(append(b, byte(len(Wildcard))), Wildcard...)
			continue
		case tokSpecial:
			if pre, post, ok := maskParts(tok); ok {
				b = binary.AppendUvarint(b, uint64(len(pre)+len(Wildcard)+len(post)))
				b = append(append(append(b, pre...), Wildcard...), post...)
				continue
			}
		}
		b = binary.AppendUvarint(b, uint64(len(tok)))
		b = append(b, tok...)
	}
	return b, xxhash.Sum64(b[start0:])
}

// token kinds returned by nextToken
const (
	tokNone    = iota // no token left on the first line
	tokPlain          // no digit or quote: never masked
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
	for i < len(s) && byteClass[s[i]] == 0 {
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
	return start, i, kind
}

// mask returns tok with its variable part replaced by the wildcard.
func (t *Tree) mask(tok string) string {
	pre, post, ok := maskParts(tok)
	switch {
	case !ok:
		return tok
	case pre == "" && post == "":
		return Wildcard
	}
	return t.compose(pre, post)
}

// maskParts says whether tok holds a variable, and what surrounds it: the
// masked token is pre + Wildcard + post.
func maskParts(tok string) (pre, post string, ok bool) {
	if eq := strings.IndexByte(tok, '='); eq > 0 && eq < len(tok)-1 {
		if isVariable(trimPunct(tok[eq+1:])) {
			return tok[:eq+1], "", true
		}
		return "", "", false
	}
	core := trimPunct(tok)
	if !isVariable(core) {
		return "", "", false
	}
	if len(core) == len(tok) {
		return "", "", true
	}
	// keep brackets and trailing punctuation: "[1234]" -> "[<*>]", "42ms," -> "<*>,"
	i := strings.Index(tok, core)
	return tok[:i], tok[i+len(core):], true
}

// compose returns pre + Wildcard + post, interned so the common shapes
// ("key=<*>", "[<*>]", "<*>,") cost no allocation.
func (t *Tree) compose(pre, post string) string {
	b := append(append(append(t.buf[:0], pre...), Wildcard...), post...)
	t.buf = b
	if s, ok := t.intern[string(b)]; ok {
		return s
	}
	if len(t.intern) >= maxInterned {
		clear(t.intern)
	}
	s := string(b)
	t.intern[s] = s
	return s
}

// maxInterned bounds the interned masked tokens.
const maxInterned = 4096

func trimPunct(s string) string {
	for len(s) > 0 && isOpen(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isClose(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isOpen(c byte) bool {
	switch c {
	case '(', '[', '{', '<', ',', ';':
		return true
	}
	return false
}

func isClose(c byte) bool {
	switch c {
	case ')', ']', '}', '>', ',', ';', ':', '.':
		return true
	}
	return false
}

// isVariable: quoted strings and any token holding a digit (numbers, hex ids,
// UUIDs, IPs, durations, sizes, timestamps, versions).
func isVariable(s string) bool {
	if len(s) >= 2 {
		if q := s[0]; (q == '"' || q == '\'' || q == '`') && s[len(s)-1] == q {
			return true
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// Byte classes for the tokenizer's inner loop (one table lookup per byte).
const (
	classEnd   = 1 << iota // blank or newline: ends a token
	classDigit             // makes a token a variable candidate
	classQuote             // may open a quoted value
)

var byteClass = func() (t [256]uint8) {
	for _, c := range " \t\r\n" {
		t[c] = classEnd
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	for _, c := range "\"'`" {
		t[c] = classQuote
	}
	return t
}()
