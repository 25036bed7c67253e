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
// Retry-After delay when given); any other status is permanent, and so is a
// redirect, which is not followed: following one would re-send the payload
// (a PagerDuty routing key) and the configured headers to wherever the
// destination points. Every error is built from redacted text, so no
// configured secret, whole or in part, leaves through it.
type poster struct {
	client *http.Client
	name   string // destination, for messages
	redact *redactor
}

// useClient takes the HTTP client built from the configuration and stops it
// from following redirects.
func (p *poster) useClient(c *http.Client) {
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p.client = c
}

func (p *poster) post(ctx context.Context, target string, body any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "5xx > 5%" readable for people reading raw payloads
	if err := enc.Encode(body); err != nil {
		return consumererror.NewPermanent(p.redact.redactErr(fmt.Errorf("%s: encode request: %w", p.name, err)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, &buf)
	if err != nil {
		return consumererror.NewPermanent(p.redact.redactErr(fmt.Errorf("%s: build request for %s: %w", p.name, redactURL(target), stripURLError(err))))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return p.redact.redactErr(fmt.Errorf("%s: post to %s: %w", p.name, redactURL(target), stripURLError(err)))
	}
	defer func() { _ = resp.Body.Close() }()
	// windowLen bytes past the limit, so that a secret cut by the limit is
	// still recognised (redaction runs before truncation).
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+windowLen))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = errors.New(p.describe(resp, msg))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if d := retryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			return exporterhelper.NewThrottleRetry(err, d)
		}
		return err
	}
	return consumererror.NewPermanent(err)
}

// describe is the redacted text of a non-2xx answer: status and the start
// of the body, or for a redirect where it pointed (scheme and host only).
func (p *poster) describe(resp *http.Response, body []byte) string {
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		to := "(no Location)"
		if loc := resp.Header.Get("Location"); loc != "" {
			to = redactURL(loc)
			if u, err := resp.Request.URL.Parse(loc); err == nil {
				to = redactURL(u.String())
			}
		}
		return p.redact.redact(fmt.Sprintf("%s answered %s to %s: redirects are not followed; configure the final URL", p.name, resp.Status, to))
	}
	text := p.redact.redact(strings.TrimSpace(string(body)))
	if len(text) > maxErrorBody {
		text = truncate(text, maxErrorBody)
	}
	if text == "" {
		text = "(empty answer)"
	}
	return p.redact.redact(fmt.Sprintf("%s answered %s: %s", p.name, resp.Status, text))
}

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
