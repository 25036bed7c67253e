package drain

import "strings"

// Masks: what a token's variable parts look like, without any per-dataset
// rule. A token is masked whole when it is quoted, a path or URL, or made
// only of digits, hex digits and separators (numbers, hex ids, UUIDs, IPs,
// MACs, dates, times, versions); otherwise every alphanumeric run holding a
// digit is masked on its own ("bglio559" -> "<*>", "mb_243_0810" ->
// "mb_<*>_<*>", "core.1234" -> "core.<*>"), so a word around a number keeps
// telling templates apart. Of key=value, the value is masked whole. A quoted
// string is masked whole but for a leading word of several (`"GET <*>"`).
// Tokens of letters and punctuation only are never masked.
// Surrounding brackets and punctuation are kept: "[1234]" -> "[<*>]".

// mask returns tok with its variable parts masked (afterVar: the token
// before it ended in a variable), interned so the common shapes
// ("key=<*>", "[<*>]", "<*>,") cost no allocation.
func (t *Tree) mask(tok string, kind int, afterVar bool) string {
	b := appendToken(t.buf[:0], tok, kind, afterVar)
	t.buf = b
	if string(b) == tok {
		return tok
	}
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

// endsWildcard says whether b ends in Wildcard (three byte compares: it
// runs once per token).
func endsWildcard(b []byte) bool {
	n := len(b)
	return n >= 3 && b[n-1] == '>' && b[n-2] == '*' && b[n-3] == '<'
}

// appendToken appends tok of kind (see nextToken), its variable parts
// masked, to dst; afterVar says the token before it ended in a variable.
func appendToken(dst []byte, tok string, kind int, afterVar bool) []byte {
	switch kind {
	case tokQuoted:
		return appendQuoted(dst, tok)
	case tokSpecial:
		return appendMasked(dst, tok)
	}
	return appendPlain(dst, tok, kind, afterVar)
}

// appendPlain is appendToken for a plain token (tokPlain or tokMarked).
func appendPlain(dst []byte, tok string, kind int, afterVar bool) []byte {
	if !plainMasked(tok, kind, afterVar) {
		return append(dst, tok...)
	}
	if eq := strings.IndexByte(tok, '='); eq > 0 && eq < len(tok)-1 {
		return append(append(dst, tok[:eq+1]...), Wildcard...)
	}
	pre, _, post := splitPunct(tok)
	return append(append(append(dst, pre...), Wildcard...), post...)
}

// maxInterned bounds the interned masked tokens.
const maxInterned = 4096

// appendMasked appends tok, its variable parts masked, to dst.
func appendMasked(dst []byte, tok string) []byte {
	if eq := strings.IndexByte(tok, '='); eq > 0 && eq < len(tok)-1 {
		// the value of a token holding a digit, slash or quote is a variable whole
		dst = append(dst, tok[:eq+1]...)
		if pre, core, post := splitPunct(tok[eq+1:]); core != "" {
			return append(append(append(dst, pre...), Wildcard...), post...)
		}
		tok = tok[eq+1:]
	}
	pre, core, post := splitPunct(tok)
	dst = append(dst, pre...)
	switch {
	case core == "":
	case variableCore(core):
		dst = append(dst, Wildcard...)
	default:
		dst = appendRuns(dst, core)
	}
	return append(dst, post...)
}

// appendQuoted masks a token that opens with a quoted string: the string is
// a variable, but a leading word of several ("GET /path HTTP/1.1", "DELETE
// ...") names what happened and is kept: `"GET <*>"`.
func appendQuoted(dst []byte, tok string) []byte {
	q := tok[0]
	inner := tok[1:]
	if j := strings.IndexByte(inner, q); j >= 0 {
		inner = inner[:j]
	}
	sp := strings.IndexByte(inner, ' ')
	if sp <= 0 || !isLetters(inner[:sp]) {
		return append(dst, Wildcard...)
	}
	return append(append(append(append(append(dst, q), inner[:sp]...), ' '), Wildcard...), q)
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// splitPunct splits the brackets and punctuation around a token's core off.
func splitPunct(s string) (pre, core, post string) {
	i, j := 0, len(s)
	for i < j && isOpen(s[i]) {
		i++
	}
	for j > i && isClose(s[j-1]) {
		j--
	}
	return s[:i], s[i:j], s[j:]
}

// wholeVariable: quoted, a path (a leading slash, or two slashes or
// backslashes) or URL, or only digits, hex digits and separators with at
// least one digit. named says s holds a '.', '@' or '[' (it may be a named
// value: see namedValue and tagged).
func wholeVariable(s string) (whole, named bool) {
	if len(s) >= 2 {
		if q := s[0]; (q == '"' || q == '\'' || q == '`') && s[len(s)-1] == q {
			return true, false
		}
	}
	if len(s) > 1 && s[0] == '/' {
		return true, false
	}
	// one pass: count path separators and check the hex-and-separators shape
	slashes, backslashes, digits, hexOnly := 0, 0, false, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		case c == 'x' && i > 0 && s[i-1] == '0':
		case c == ' ':
			return true, false // a number and its unit (see withUnit)
		case c == '.', c == '@':
			named = true
		case c == '-', c == ':', c == '_', c == ',', c == '+':
		case c == '/':
			slashes++
		case c == '\\':
			backslashes++
			hexOnly = false
		case c == '[':
			named = true
			hexOnly = false
		default:
			hexOnly = false
		}
	}
	if slashes >= 2 || backslashes >= 2 || slashes > 0 && strings.Contains(s, "://") {
		return true, named
	}
	return hexOnly && digits, named
}

// variableCore says whether the core of a token holding a digit or slash is
// a variable whole.
func variableCore(core string) bool {
	whole, named := wholeVariable(core)
	return whole || named && (namedValue(hostOf(core)) || tagged(core))
}

// appendRuns appends s with every alphanumeric run that holds a digit masked.
func appendRuns(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) {
			dst = append(dst, s[i])
			i++
			continue
		}
		j, digit := i, false
		for ; j < len(s) && isAlnum(s[j]); j++ {
			digit = digit || s[j] >= '0' && s[j] <= '9'
		}
		if digit {
			if n := len(dst); i > 0 && s[i-1] == '-' && n > 0 && dst[n-1] == '-' && (i == 1 || !isAlnum(s[i-2])) {
				dst = dst[:n-1] // a negative number
			}
			dst = append(dst, Wildcard...)
		} else {
			dst = append(dst, s[i:j]...)
		}
		i = j
	}
	return dst
}

// isAlnum: ASCII letters and digits, and any byte of a multi-byte rune.
func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
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

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// Masks for tokens of letters and punctuation (no digit): most are words
// that name the event, but a few shapes are values whatever the log:
// a unit after a number (`3.1 MB`, `820 ms`), a host or file name
// (`mail.example.net`, `firefox.exe`), a mail address or user@host, a
// month or weekday in a date (`Sun Jul`), and such a value after `key=`.

// plainMasked says whether a plain token (kind tokPlain, or tokMarked: it
// holds a '.', '@' or '=') holds a variable (see above).
func plainMasked(tok string, kind int, afterVar bool) bool {
	if kind == tokMarked {
		if eq := strings.IndexByte(tok, '='); eq > 0 && eq < len(tok)-1 {
			tok = tok[eq+1:]
			afterVar = false
		}
	} else if !maybeShort(tok, afterVar) {
		return false
	}
	_, core, _ := splitPunct(tok)
	if len(core) == 0 {
		return false
	}
	if afterVar && isUnit(core) || isDateWord(core) {
		return true
	}
	return kind == tokMarked && namedValue(core)
}

// maybeShort says whether a word may be a unit (after a variable: up to
// `(mins),`) or a date word (a capital, perhaps after a bracket: up to
// `(Jul),`); it spares the common word the checks.
func maybeShort(tok string, afterVar bool) bool {
	if afterVar {
		return len(tok) <= 8
	}
	return len(tok) >= 3 && len(tok) <= 6 && (tok[0] >= 'A' && tok[0] <= 'Z' || isOpen(tok[0]))
}

// isUnit: a unit of size or time whose choice follows the magnitude.
func isUnit(s string) bool {
	switch s {
	case "B", "KB", "kB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB",
		"ns", "us", "µs", "ms", "s", "sec", "secs", "min", "mins":
		return true
	}
	return false
}

// isDateWord: an abbreviated month or weekday (as in `Sun Jul 10 03:55:15`).
func isDateWord(s string) bool {
	if len(s) != 3 {
		return false
	}
	switch s {
	case "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
		"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}

// namedValue: a mail address or user@host, a host name (lower-case labels
// joined by dots), or a file name (a name and a short lower-case extension).
func namedValue(s string) bool {
	dot := strings.IndexByte(s, '.')
	if at := strings.IndexByte(s, '@'); at > 0 && at < len(s)-1 {
		return true
	}
	if dot <= 0 || dot == len(s)-1 {
		return false
	}
	return hostName(s) || fileName(s)
}

// tagged: a name with a bracketed number or address, as programs tag lines
// with their process ID (`sshd[4411]`), the kernel a library with its
// mapping (`libc.so.6[7f3a2c000000+195000]`) and mail servers a host with
// its IP (`mail.example.com[198.51.100.7]`).
func tagged(s string) bool {
	open := strings.IndexByte(s, '[')
	if open <= 0 || !hasDigit(s[open:]) {
		return false
	}
	for i := 0; i < open; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	// splitPunct has taken the closing bracket off
	for i := open + 1; i < len(s); i++ {
		if c := s[i]; !isHex(c) && c != '+' && c != 'x' && c != '.' && c != ':' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// hostOf strips a port (`:443`) off s.
func hostOf(s string) string {
	if c := strings.LastIndexByte(s, ':'); c > 0 && c < len(s)-1 && allDigits(s[c+1:]) {
		return s[:c]
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// hostName: labels of lower-case letters, digits and hyphens joined by
// dots, the last (the top-level domain) of two letters or more
// (`mail.example.net`, but not `1.5s`).
func hostName(s string) bool {
	prev := byte('.')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case c == '.' && prev != '.':
		default:
			return false
		}
		prev = c
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	return len(tld) >= 2 && isLetters(tld)
}

// fileName: a name of letters, digits, '-' and '_', a dot and an extension
// of one to four lower-case letters.
func fileName(s string) bool {
	dot := strings.LastIndexByte(s, '.')
	ext, name := s[dot+1:], s[:dot]
	if len(ext) > 4 || len(name) == 0 {
		return false
	}
	for i := 0; i < len(ext); i++ {
		if ext[i] < 'a' || ext[i] > 'z' {
			return false
		}
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
