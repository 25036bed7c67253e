// Package drain reduces log lines to templates: variable tokens are masked
// (numbers, hex, UUIDs, IPs, durations, timestamps: any token holding a digit;
// quoted strings), then lines are clustered in a fixed-depth parse tree in the
// manner of Drain (He et al., ICWS 2017) so lines differing only in variables
// share one template. The cluster table is bounded by an LRU.
//
// A Tree is not safe for concurrent use; callers hold a lock.
package drain // import "github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"

import (
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
	// Depth of the parse tree, counting the length layer and the leaf (default 4, minimum 3).
	Depth int
	// Similarity is the share of equal tokens a line needs to join a cluster (default 0.5).
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
	tokens   []string
	seq      uint64
	template string
	id       uint64
	idHex    string
	leaf     *node
}

// Template returns the template text, variables shown as <*>.
func (c *Cluster) Template() string { return c.template }

// ID is a hash (xxhash64) of the template text: equal on every instance for
// equal templates.
func (c *Cluster) ID() uint64 { return c.id }

// Seq is a number fixed at creation, unlike ID, which follows the template
// text as it widens.
func (c *Cluster) Seq() uint64 { return c.seq }

// IDString is ID as 16 hex digits.
func (c *Cluster) IDString() string { return c.idHex }

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
}

// New returns an empty tree.
func New(s Settings) *Tree {
	if s.Depth < 3 {
		s.Depth = 4
	}
	if s.Similarity <= 0 || s.Similarity > 1 {
		s.Similarity = 0.5
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
	t := &Tree{s: s, root: map[int]*node{}}
	t.clusters, _ = simplelru.NewLRU[*Cluster, struct{}](s.MaxClusters, func(c *Cluster, _ struct{}) {
		t.detach(c)
	})
	return t
}

// Len is the number of clusters held.
func (t *Tree) Len() int { return t.clusters.Len() }

// Add finds the cluster of line, creating or widening one as needed.
func (t *Tree) Add(line string) *Cluster {
	masked, _ := t.tokenize(line)
	leaf := t.leaf(masked, true)
	best, sim := bestMatch(leaf.clusters, masked)
	if best != nil && sim >= t.s.Similarity {
		if widen(best, masked) {
			best.setTemplate()
		}
		t.clusters.Get(best)
		return best
	}
	t.seq++
	c := &Cluster{tokens: append([]string(nil), masked...), leaf: leaf, seq: t.seq}
	c.setTemplate()
	leaf.clusters = append(leaf.clusters, c)
	t.clusters.Add(c, struct{}{})
	return c
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
	c.template = strings.Join(c.tokens, " ")
	c.id = xxhash.Sum64String(c.template)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], c.id)
	c.idHex = hex.EncodeToString(b[:])
}

func (t *Tree) detach(c *Cluster) {
	l := c.leaf
	for i, x := range l.clusters {
		if x == c {
			l.clusters = append(l.clusters[:i], l.clusters[i+1:]...)
			break
		}
	}
}

func (t *Tree) leaf(tokens []string, create bool) *node {
	n := t.root[len(tokens)]
	if n == nil {
		n = &node{children: map[string]*node{}}
		t.root[len(tokens)] = n
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
			}
		}
		n = next
	}
	return n
}

func bestMatch(cs []*Cluster, tokens []string) (*Cluster, float64) {
	var best *Cluster
	bestSim, bestWild := -1.0, -1
	for _, c := range cs {
		eq, wild := 0, 0
		for i, tok := range c.tokens {
			if tok == Wildcard {
				wild++
				eq++
				continue
			}
			if tok == tokens[i] {
				eq++
			}
		}
		sim := float64(eq) / float64(len(tokens))
		if len(tokens) == 0 {
			sim = 1
		}
		if sim > bestSim || (sim == bestSim && wild > bestWild) {
			best, bestSim, bestWild = c, sim, wild
		}
	}
	return best, bestSim
}

func widen(c *Cluster, tokens []string) bool {
	changed := false
	for i, tok := range c.tokens {
		if tok != Wildcard && tok != tokens[i] {
			c.tokens[i] = Wildcard
			changed = true
		}
	}
	return changed
}

// tokenize splits the first line of s on blanks into at most MaxTokens tokens.
// A token opening a quote runs to the closing quote. raw holds the original
// tokens; masked the tokens with variables replaced (whole token, or the value
// of key=value, keeping surrounding brackets and punctuation).
func (t *Tree) tokenize(s string) (masked, raw []string) {
	masked, raw = t.masked[:0], t.raw[:0]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	i := 0
	for i < len(s) && len(raw) < t.s.MaxTokens {
		for i < len(s) && isBlank(s[i]) {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		if q := s[i]; q == '"' || q == '\'' || q == '`' {
			if j := strings.IndexByte(s[i+1:], q); j >= 0 {
				i += j + 2
				for i < len(s) && !isBlank(s[i]) {
					i++
				}
				tok := s[start:i]
				raw = append(raw, tok)
				masked = append(masked, Wildcard)
				continue
			}
		}
		for i < len(s) && !isBlank(s[i]) {
			if c := s[i]; (c == '"' || c == '\'') && i > start && s[i-1] == '=' {
				// key="quoted value with blanks"
				if j := strings.IndexByte(s[i+1:], c); j >= 0 {
					i += j + 2
					continue
				}
			}
			i++
		}
		tok := s[start:i]
		raw = append(raw, tok)
		masked = append(masked, mask(tok))
	}
	t.masked, t.raw = masked, raw
	return masked, raw
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// mask returns tok with its variable part replaced by the wildcard.
func mask(tok string) string {
	if eq := strings.IndexByte(tok, '='); eq > 0 && eq < len(tok)-1 {
		v := tok[eq+1:]
		if isVariable(trimPunct(v)) {
			return tok[:eq+1] + Wildcard
		}
		return tok
	}
	core := trimPunct(tok)
	if !isVariable(core) {
		return tok
	}
	if len(core) == len(tok) {
		return Wildcard
	}
	// keep brackets and trailing punctuation: "[1234]" -> "[<*>]", "42ms," -> "<*>,"
	pre := strings.Index(tok, core)
	return tok[:pre] + Wildcard + tok[pre+len(core):]
}

func trimPunct(s string) string {
	for len(s) > 0 && strings.IndexByte("([{<,;", s[0]) >= 0 {
		s = s[1:]
	}
	for len(s) > 0 && strings.IndexByte(")]}>,;:.", s[len(s)-1]) >= 0 {
		s = s[:len(s)-1]
	}
	return s
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
