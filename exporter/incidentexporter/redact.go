package incidentexporter

import (
	"encoding/base64"
	"net/url"
	"strings"
	"unicode/utf8"
)

const (
	// windowLen is the length of the secret fragments matched: any run of
	// windowLen bytes that occurs in a secret is redacted, so a destination
	// that echoes part of a secret (a URL path segment, a truncated token)
	// is caught as surely as one that echoes it whole.
	windowLen = 8
	// minSecretLen: shorter values ("1", "yes") would redact ordinary words.
	minSecretLen = 4
	// redactedText replaces each run of secret text.
	redactedText = "[REDACTED]"
)

// redactor removes the exporter's secrets, whole or in part, from text.
// Every error the destinations return is built from redacted text (poster),
// and every log line of the component passes through it (redactingCore), so
// whatever a destination echoes in bodies, headers or redirects, no secret
// reaches a log line, an error or telemetry.
type redactor struct {
	windows map[string]struct{} // every windowLen-byte run of a long secret
	short   []string            // secrets of minSecretLen..windowLen bytes
}

// newRedactor collects the secret material of a configuration: the
// PagerDuty routing key, header values, and of the Slack webhook URL and the
// endpoint everything but scheme and host (user info, path, query): the
// host stays readable in messages, the credential-bearing parts do not.
func newRedactor(cfg *Config) *redactor {
	r := &redactor{windows: make(map[string]struct{})}
	r.add(string(cfg.PagerDuty.RoutingKey))
	for _, v := range cfg.ClientConfig.Headers.Iter {
		r.add(string(v))
	}
	r.addURL(string(cfg.Slack.WebhookURL))
	r.addURL(cfg.ClientConfig.Endpoint)
	return r
}

// add registers a secret in the forms a peer may echo it: as is, URL
// escaped, and with JSON's optional "\/".
func (r *redactor) add(secret string) {
	for _, s := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), strings.ReplaceAll(secret, "/", `\/`)} {
		switch {
		case len(s) < minSecretLen:
		case len(s) <= windowLen:
			r.short = append(r.short, s)
		default:
			for i := 0; i+windowLen <= len(s); i++ {
				r.windows[s[i:i+windowLen]] = struct{}{}
			}
		}
	}
}

// addURL registers the parts of a URL that can carry a credential.
func (r *redactor) addURL(raw string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		r.add(raw) // unparsable: all of it
		return
	}
	if u.User != nil {
		r.add(u.User.String())
		if p, ok := u.User.Password(); ok {
			r.add(p)
			// As it travels in the Authorization header, which a peer may echo.
			r.add(base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + p)))
		}
	}
	if u.Path != "" && u.Path != "/" {
		r.add(u.Path)
		r.add(u.EscapedPath())
	}
	r.add(u.RawQuery)
	for _, vs := range u.Query() {
		for _, v := range vs {
			r.add(v)
		}
	}
	r.add(u.Fragment)
}

// redact replaces every run of secret text in s with [REDACTED]; s is
// returned as is when it holds none.
func (r *redactor) redact(s string) string {
	if r == nil || len(s) < minSecretLen {
		return s
	}
	var hit []bool
	mark := func(from, n int) {
		if hit == nil {
			hit = make([]bool, len(s))
		}
		for i := from; i < from+n; i++ {
			hit[i] = true
		}
	}
	if len(r.windows) > 0 {
		for i := 0; i+windowLen <= len(s); i++ {
			if _, ok := r.windows[s[i:i+windowLen]]; ok {
				mark(i, windowLen)
			}
		}
	}
	for _, sec := range r.short {
		for off := 0; ; {
			j := strings.Index(s[off:], sec)
			if j < 0 {
				break
			}
			mark(off+j, len(sec))
			off += j + 1
		}
	}
	if hit == nil {
		return s
	}
	return replaceRuns(s, hit)
}

// replaceRuns writes s with every run of hit bytes (widened to whole runes)
// replaced by one [REDACTED].
func replaceRuns(s string, hit []bool) string {
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(s); {
		if !hit[i] {
			i++
			continue
		}
		start := i
		for start > last && !utf8.RuneStart(s[start]) {
			start--
		}
		for i < len(s) && (hit[i] || !utf8.RuneStart(s[i])) {
			i++
		}
		b.WriteString(s[last:start])
		b.WriteString(redactedText)
		last = i
	}
	b.WriteString(s[last:])
	return b.String()
}

// redactedError shows the redacted text but keeps the cause for errors.Is
// (deadline exceeded, connection refused) and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr returns err with redacted text, or err itself when it holds no
// secret.
func (r *redactor) redactErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.redact(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}
