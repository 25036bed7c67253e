package drain

import (
	"math"
	"strings"
)

// Matching a line against the clusters of its leaf.
//
// A line joins a cluster when it shares enough of its constant tokens at the
// same positions (Similarity) and differs from the cluster's constants only
// where a token is masked: two different words at one position ("Started"
// and "Paused", "GET" and "POST") are usually different events, so the line
// opens its own cluster rather than widening a frequent one over a rare one.
// Words can be variables too (user names, hosts): a line differing in one
// word joins when it shares at least wordSimilarity of its constants, when
// the cluster's word there recurs in the same slot of another template
// (recurs), or once wordValues distinct words have appeared there across
// clusters that agree everywhere else (the cluster they first split from
// widens to take any word there, and absorbs those it now covers).

// tuning holds the matcher's thresholds. They are constants of the package
// (defaultTuning); a field of the Tree only so the generalization check
// (generalize_test.go) can vary them.
type tuning struct {
	// wordSimilarity is the share of its constants a line must share with a
	// cluster it differs from in one word to join it at once: in a long line a
	// single differing word is more likely a variable (a user, a service name)
	// than in a short one, where it names the event.
	wordSimilarity float64
	// wordValues is how many distinct words a position may show, each its own
	// template, before it is taken for a variable.
	wordValues int32
	// recurring takes a word for a value when another template holds it
	// too (see recurs).
	recurring bool
}

var defaultTuning = tuning{wordSimilarity: 0.85, wordValues: 4, recurring: true}

// wordVariable says whether the line m was matched for may join m.near,
// taking the word it differs in (at m.nearPos) for a variable.
func (t *Tree) wordVariable(m match) bool {
	switch {
	case m.nearSim >= t.tune.wordSimilarity:
		return true
	case m.nearSim < t.s.Similarity:
		return false
	case t.tune.recurring && t.recurs(m.near, m.nearPos):
		return true
	}
	// the word position has shown too many values to be a constant
	return m.near.promote(m.nearPos, t.tune.wordValues)
}

// recurs says whether the word at pos of c's template is also a constant
// of another template, after the same word (or, in key=value, under the
// same key), or whether another template took words for a variable in that
// slot. A word naming an event belongs to its template ("Started",
// "closed"); a value (a user, a host, a service) recurs across the
// templates of one session or request in the same slot ("Invalid user
// admin", "invalid user admin [preauth]", "Failed password for invalid
// user admin"), so the position holding it is a variable from the second
// value on. It reads the tree's slot counts (index.go), less c's own: a
// cost in c's tokens, whatever the number of templates.
func (t *Tree) recurs(c *Cluster, pos int) bool {
	w := wordOf(c.tokens[pos])
	if w == "" || stateWord(w) {
		return false
	}
	slot := slotOf(c.tokens, pos)
	var ownWord, ownSlot int32
	for i, tok := range c.tokens {
		if slotOf(c.tokens, i) != slot {
			continue
		}
		switch {
		case tok == Wildcard && c.isWordSlot(i):
			ownSlot++
		case wordOf(tok) == w:
			ownWord++
		}
	}
	return t.slots[slotKey(slot, w)] > ownWord || t.slots[slotKey(slot, "")] > ownSlot
}

// stateWord: a word from a small fixed set of values, which names a state
// rather than an entity: upper case (RUNNING, FAIL_TASK_CLEANUP), or a
// boolean.
func stateWord(w string) bool {
	upper := true
	for i := 0; i < len(w) && upper; i++ {
		upper = w[i] < 'a' || w[i] > 'z'
	}
	if upper {
		return true
	}
	switch strings.ToLower(w) {
	case "true", "false", "yes", "no", "on", "off", "null", "none", "nil":
		return true
	}
	return false
}

// slotOf names what introduces the token at i: its key (key=value, without
// the = and punctuation, so `user root` and `user=root` share a slot) or
// the token before it.
func slotOf(tokens []string, i int) string {
	if eq := strings.IndexByte(tokens[i], '='); eq >= 0 {
		_, key, _ := splitPunct(tokens[i][:eq])
		return key
	}
	if i == 0 {
		return ""
	}
	return tokens[i-1]
}

// wordOf is the word a constant token carries: the token without the
// brackets and punctuation around it, or the value of key=value; "" when it
// holds a variable or no letter.
func wordOf(tok string) string {
	if tok == Wildcard || strings.Contains(tok, Wildcard) {
		return ""
	}
	if eq := strings.IndexByte(tok, '='); eq >= 0 {
		tok = tok[eq+1:]
	}
	_, core, _ := splitPunct(tok)
	if len(core) < 2 || nextLetter(core, 0) == len(core) {
		return ""
	}
	return core
}

// match is bestMatch's answer: best is the cluster the line may join (with
// its similarity); near is the most similar cluster the line differs from in
// exactly one word, at nearPos.
type match struct {
	best    *Cluster
	sim     float64
	near    *Cluster
	nearSim float64
	nearPos int
}

// bestMatch scores clusters by the share of the line's constant tokens (not
// masked variables) they share at the same position. Masked positions carry
// no evidence either way, so lines made mostly of variables are matched on
// their few constants, and a widened template does not swallow everything.
func bestMatch(cs []*Cluster, tokens []string) match {
	m := match{sim: -1, nearSim: -1}
	bestWild := -1
	consts := 0
	for _, tok := range tokens {
		if tok != Wildcard {
			consts++
		}
	}
	for _, c := range cs {
		if c.dead {
			continue // left its leaf, not yet dropped from its list
		}
		eq, wild, words, wordPos := 0, 0, 0, -1
		for i, tok := range c.tokens {
			switch {
			case tok == Wildcard:
				wild++
			case tok == tokens[i]:
				if tok != Wildcard {
					eq++
				}
			case lettersDiffer(tok, tokens[i]):
				words++
				wordPos = i
			}
		}
		sim := 1.0
		if consts > 0 {
			sim = float64(eq) / float64(consts)
		}
		switch {
		case words == 0:
			if sim > m.sim || (sim == m.sim && wild > bestWild) {
				m.best, m.sim, bestWild = c, sim, wild
			}
		case words == 1 && sim > m.nearSim:
			m.near, m.nearSim, m.nearPos = c, sim, wordPos
		}
	}
	return m
}

// lettersDiffer says whether two tokens differ in their letters outside
// masked parts ("Started" and "Paused", "host<*>" and "node<*>"), not only in
// variables or punctuation ("[<*>]" and "<*>,").
func lettersDiffer(a, b string) bool {
	i, j := nextLetter(a, 0), nextLetter(b, 0)
	if i == len(a) || j == len(b) {
		// one is all variable and punctuation: a variable slot
		return false
	}
	for {
		i, j = nextLetter(a, i), nextLetter(b, j)
		if i == len(a) || j == len(b) {
			return i != len(a) || j != len(b)
		}
		if a[i] != b[j] {
			return true
		}
		i++
		j++
	}
}

// nextLetter is the index of the first letter at or after i outside a
// Wildcard, or len(s).
func nextLetter(s string, i int) int {
	for i < len(s) {
		switch c := s[i]; {
		case c == Wildcard[0] && strings.HasPrefix(s[i:], Wildcard):
			i += len(Wildcard)
		case c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0x80:
			return i
		default:
			i++
		}
	}
	return i
}

// promote counts one more word seen at position pos of c's template (in a
// cluster of its own) and says whether the position now counts as a
// variable.
func (c *Cluster) promote(pos int, wordValues int32) bool {
	for i := range c.words {
		if c.words[i].pos == int32(pos) {
			c.words[i].n++
			return c.words[i].n >= wordValues
		}
	}
	c.words = append(c.words, wordCount{pos: int32(pos), n: 1})
	return 1 >= wordValues
}

// wordCount counts the words seen at one position of a template.
type wordCount struct {
	pos int32
	n   int32
}

// wordSlot is the count of a position that became a variable from words:
// a value slot, as evidence for other templates (see recurs).
const wordSlot = math.MaxInt32

// markWordSlot records that the word at pos is taken for a variable.
func (c *Cluster) markWordSlot(pos int) {
	for i := range c.words {
		if c.words[i].pos == int32(pos) {
			c.words[i].n = wordSlot
			return
		}
	}
	c.words = append(c.words, wordCount{pos: int32(pos), n: wordSlot})
}

func (c *Cluster) isWordSlot(pos int) bool {
	for _, w := range c.words {
		if w.pos == int32(pos) {
			return w.n == wordSlot
		}
	}
	return false
}

// join adds a line to c, widening its template where they differ.
func (t *Tree) join(c *Cluster, tokens []string) {
	// a position newly marked a word slot (add) is still a word in old:
	// counting old out with c's new words takes out what was counted
	old := c.tokens
	if widen(c, tokens) {
		t.count(c, old, -1)
		t.count(c, c.tokens, 1)
		for _, l := range c.leaves {
			l.repost(c, old)
		}
		t.gen++
		c.setTemplate()
	}
	t.touch(c)
}

func widen(c *Cluster, tokens []string) bool {
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

// absorb merges into c the other clusters of leaf that c's template now
// covers (equal wherever c has a constant): they split from c on a word
// that has since been taken for a variable.
func (t *Tree) absorb(c *Cluster, leaf *node) {
	var covered []*Cluster
	for _, o := range leaf.clusters {
		if o != c && !o.dead && covers(c.tokens, o.tokens) {
			covered = append(covered, o)
		}
	}
	if len(covered) == 0 {
		return
	}
	t.merging = true
	for _, o := range covered {
		t.clusters.Remove(o) // detaches it
		t.merged++
	}
	t.merging = false
}

func covers(template, tokens []string) bool {
	for i, tok := range template {
		if tok != Wildcard && tok != tokens[i] {
			return false
		}
	}
	return true
}
