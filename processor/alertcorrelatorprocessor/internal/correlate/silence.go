package correlate

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Matcher is one Alertmanager-style label matcher: name, op (=, !=, =~, !~),
// value. Regular expressions are anchored, as in Alertmanager.
type Matcher struct {
	Name  string
	Op    string
	Value string
	re    *regexp.Regexp
}

// ParseMatcher parses `name="value"`, `name=~"re"`, `name!=value`...
func ParseMatcher(s string) (Matcher, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "=!")
	if i <= 0 {
		return Matcher{}, fmt.Errorf("%q: want name followed by =, !=, =~ or !~", s)
	}
	m := Matcher{Name: strings.TrimSpace(s[:i])}
	rest := s[i:]
	for _, op := range []string{"=~", "!~", "!=", "="} {
		if strings.HasPrefix(rest, op) {
			m.Op = op
			rest = rest[len(op):]
			break
		}
	}
	if m.Op == "" {
		return Matcher{}, fmt.Errorf("%q: want =, !=, =~ or !~ after %q", s, m.Name)
	}
	v := strings.TrimSpace(rest)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	m.Value = v
	if m.Op == "=~" || m.Op == "!~" {
		re, err := regexp.Compile("^(?:" + v + ")$")
		if err != nil {
			return Matcher{}, fmt.Errorf("%q: %w", s, err)
		}
		m.re = re
	}
	return m, nil
}

// Matches reports whether the label set satisfies the matcher (a missing
// label is the empty string, as in Alertmanager).
func (m Matcher) Matches(labels map[string]string) bool {
	v := labels[m.Name]
	switch m.Op {
	case "=":
		return v == m.Value
	case "!=":
		return v != m.Value
	case "=~":
		return m.re.MatchString(v)
	case "!~":
		return !m.re.MatchString(v)
	}
	return false
}

// Silence mutes alerts whose labels match every matcher while now is in
// [StartsAt, EndsAt); a zero bound is open.
type Silence struct {
	Name     string
	Matchers []Matcher
	StartsAt time.Time
	EndsAt   time.Time
}

// Mutes reports whether the silence mutes the labels at now.
func (s *Silence) Mutes(labels map[string]string, now time.Time) bool {
	if !s.StartsAt.IsZero() && now.Before(s.StartsAt) {
		return false
	}
	if !s.EndsAt.IsZero() && !now.Before(s.EndsAt) {
		return false
	}
	for _, m := range s.Matchers {
		if !m.Matches(labels) {
			return false
		}
	}
	return len(s.Matchers) > 0
}
