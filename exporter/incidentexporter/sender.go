package incidentexporter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// maxErrorBody is how much of a destination's error answer goes into the
// error (and so the log line).
const maxErrorBody = 512

// poster sends JSON to one destination URL and classifies the answer:
// 2xx is success; 429, 5xx and network errors are retryable (with the
// Retry-After delay when given); any other status is permanent. Errors never
// carry the URL's path or query, nor any configured secret.
type poster struct {
	client  *http.Client
	name    string // destination, for messages
	secrets []string
}

func (p *poster) post(ctx context.Context, target string, body any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "5xx > 5%" readable for people reading raw payloads
	if err := enc.Encode(body); err != nil {
		return consumererror.NewPermanent(fmt.Errorf("%s: encode request: %w", p.name, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, &buf)
	if err != nil {
		return consumererror.NewPermanent(p.redact(fmt.Errorf("%s: build request for %s: %w", p.name, redactURL(target), stripURLError(err))))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return p.redact(fmt.Errorf("%s: post to %s: %w", p.name, redactURL(target), stripURLError(err)))
	}
	defer func() { _ = resp.Body.Close() }()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	text := strings.TrimSpace(string(msg))
	if len(text) > maxErrorBody {
		text = truncate(text, maxErrorBody)
	}
	if text == "" {
		text = "(empty answer)"
	}
	err = p.redact(fmt.Errorf("%s answered %s: %s", p.name, resp.Status, text))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if d := retryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			return exporterhelper.NewThrottleRetry(err, d)
		}
		return err
	}
	return consumererror.NewPermanent(err)
}

// redact replaces every configured secret in the error's text.
func (p *poster) redact(err error) error {
	msg := err.Error()
	changed := false
	for _, s := range p.secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError shows the redacted text but keeps the cause for errors.Is
// (deadline exceeded, connection refused) and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// stripURLError drops the *url.Error wrapper, whose text repeats the full
// URL (a Slack webhook URL is the credential itself).
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL keeps only scheme and host.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
