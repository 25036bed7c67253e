package incidentexporter

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Secrets of the echo tests, one set per destination kind.
const (
	echoRoutingKey = "PDKEY-0a1b2c3d4e5f6a7b8c9d0e1f2a3b"
	echoAMPassword = "AMPASSW0RD-5566778899"
	echoAMToken    = "Bearer AMTOKEN-9f8e7d6c5b4a"
	echoSlackPath  = "/services/T0AB12CD/B0EF34GH/SLACKSECRET-xyz0987"
	echoHookPath   = "/hooks/WHPATHSECRET-7788"
	echoHookToken  = "WEBHOOKTOKEN-abc123def456"
	echoHookAPIKey = "APIKEY-1122334455667788"
)

// echoKind builds a destination of one kind pointing at base and lists the
// secrets no log line, error or metric may show, in whole or in part.
type echoKind struct {
	name    string
	config  func(base string) *Config
	secrets []string
}

func echoKinds() []echoKind {
	return []echoKind{
		{"pagerduty", func(base string) *Config {
			cfg := createDefaultConfig().(*Config)
			cfg.Destination, cfg.ClientConfig.Endpoint = destPagerDuty, base+"/v2/enqueue"
			cfg.PagerDuty.RoutingKey = echoRoutingKey
			return cfg
		}, []string{echoRoutingKey}},
		{"alertmanager", func(base string) *Config {
			cfg := createDefaultConfig().(*Config)
			cfg.Destination = destAlertmanager
			cfg.ClientConfig.Endpoint = strings.Replace(base, "http://", "http://quell:"+echoAMPassword+"@", 1)
			cfg.ClientConfig.Headers = configopaque.MapList{{Name: "X-Scope-Token", Value: echoAMToken}}
			cfg.Alertmanager.ResendInterval = 0
			return cfg
		}, []string{echoAMPassword, echoAMToken, base64.StdEncoding.EncodeToString([]byte("quell:" + echoAMPassword))}},
		{"slack", func(base string) *Config {
			cfg := createDefaultConfig().(*Config)
			cfg.Destination, cfg.Slack.WebhookURL = destSlack, configopaque.String(base+echoSlackPath)
			return cfg
		}, []string{echoSlackPath}},
		{"webhook", func(base string) *Config {
			cfg := webhookConfig(base + echoHookPath + "?token=" + echoHookToken)
			cfg.ClientConfig.Headers = configopaque.MapList{{Name: "X-Api-Key", Value: echoHookAPIKey}}
			return cfg
		}, []string{echoHookPath, echoHookToken, echoHookAPIKey}},
	}
}

// echo is what a careless destination sends back: the request URI, every
// header, the start of the body, and halves of each (a truncated echo).
func echo(r *http.Request, body []byte) string {
	var b strings.Builder
	parts := []string{r.URL.RequestURI(), string(body[:min(len(body), 200)])}
	for k, vs := range r.Header {
		parts = append(parts, k+": "+strings.Join(vs, ","))
	}
	for _, p := range parts {
		fmt.Fprintf(&b, "%s | first half %s | second half %s\n", p, p[:len(p)/2], p[len(p)/2:])
	}
	return b.String()
}

// echoServer answers every request per scenario: 400 or 503 with the echo in
// the body and in headers, or a 307 to a URL that carries the echo, whose
// target answers 400 echoing again.
func echoServer(t *testing.T, scenario string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		text := echo(r, body)
		for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
			w.Header().Set(fmt.Sprintf("X-Echo-%d", i), line)
		}
		switch {
		case scenario == "redirect" && !strings.HasPrefix(r.URL.Path, "/landing"):
			w.Header().Set("Location", "/landing"+r.URL.Path+"?echo="+strings.ReplaceAll(text[:min(len(text), 300)], "\n", " "))
			w.WriteHeader(http.StatusTemporaryRedirect)
		case scenario == "5xx":
			http.Error(w, "upstream failed: "+text, http.StatusServiceUnavailable)
		default:
			http.Error(w, "bad request: "+text, http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSecretsNeverEchoed: for every destination kind, a destination that
// echoes its request (URL, headers, body, whole or cut) in 4xx and 5xx
// bodies and headers, or redirects to a URL carrying it, gets no secret into
// a log line, the returned error or the telemetry.
func TestSecretsNeverEchoed(t *testing.T) {
	for _, kind := range echoKinds() {
		for _, scenario := range []string{"4xx", "5xx", "redirect"} {
			t.Run(kind.name+"/"+scenario, func(t *testing.T) {
				srv := echoServer(t, scenario)

				// Queued: exporterhelper logs what it gives up on.
				core, logs := observer.New(zapcore.DebugLevel)
				cfg := kind.config(srv.URL)
				cfg.RetryConfig.Enabled = false
				queued := newTestExporterWithLogger(t, cfg, true, nil, zap.New(core))
				require.NoError(t, queued.ConsumeLogs(context.Background(), logsOf(incidentChange("a", "open", 0))))
				waitUntil(t, "the failure logged", func() bool { return logs.FilterMessageSnippet("Exporting failed").Len() > 0 })
				require.NoError(t, queued.Shutdown(context.Background()))
				require.NotEmpty(t, logs.All())
				for _, e := range logs.All() {
					assertNoSecret(t, kind.secrets, "log line", e.Message+" "+toString(e.ContextMap()))
				}
				assertNoSecret(t, kind.secrets, "telemetry", collected(t, queued))

				// Unqueued: the error handed back to the pipeline.
				direct := newTestExporter(t, kind.config(srv.URL), false, nil)
				direct.inner.cfg.RetryConfig.Enabled = false
				err := direct.inner.pushLogs(context.Background(), logsOf(incidentChange("b", "open", 0)))
				require.Error(t, err)
				assert.Contains(t, err.Error(), kind.name+" answered")
				for _, text := range errorTexts(err) {
					assertNoSecret(t, kind.secrets, "error", text)
				}
				require.NoError(t, direct.Shutdown(context.Background()))
			})
		}
	}
}

// assertNoSecret fails if text holds any secret or any 8-byte run of one.
func assertNoSecret(t *testing.T, secrets []string, where, text string) {
	t.Helper()
	for _, s := range secrets {
		for i := 0; i+8 <= len(s); i++ {
			if strings.Contains(text, s[i:i+8]) {
				t.Errorf("%s shows %q (part of secret %q):\n%s", where, s[i:i+8], s, text)
				return
			}
		}
	}
}

// errorTexts is the text of err and of every error it wraps.
func errorTexts(err error) []string {
	if err == nil {
		return nil
	}
	out := []string{err.Error()}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, errorTexts(e)...)
		}
	case interface{ Unwrap() error }:
		out = append(out, errorTexts(u.Unwrap())...)
	}
	return out
}

// collected is every metric and span the exporter's telemetry recorded, as text.
func collected(t *testing.T, e *testExporter) string {
	var rm metricdata.ResourceMetrics
	require.NoError(t, e.tel.Reader.Collect(context.Background(), &rm))
	var b strings.Builder
	b.WriteString(toString(rm))
	for _, s := range e.tel.SpanRecorder.Ended() {
		fmt.Fprintf(&b, "%s %v %v %v", s.Name(), s.Status(), s.Attributes(), s.Events())
	}
	return b.String()
}

func TestRedactor(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = destSlack
	cfg.Slack.WebhookURL = "https://hooks.slack.com/services/T0/B0/SLACKSECRET-xyz"
	cfg.ClientConfig.Headers = configopaque.MapList{{Name: "X-Short", Value: "abcd"}, {Name: "X-Tiny", Value: "1"}}
	r := newRedactor(cfg)
	for in, want := range map[string]string{
		"slack answered 400 Bad Request: path=/services/T0/B0/SLACKSECRET-xyz": "slack answered 400 Bad Request: path=[REDACTED]",
		"post to https://hooks.slack.com: refused":                             "post to https://hooks.slack.com: refused",
		"token SLACKSECR… was cut":                                             "token [REDACTED]… was cut",
		"escaped %2Fservices%2FT0%2FB0%2FSLACKSECRET-xyz":                      "escaped [REDACTED]",
		`json "\/services\/T0\/B0\/SLACKSECRET-xyz"`:                           `json "[REDACTED]"`,
		"short abcd and 1 stay apart: abcdabcd":                                "short [REDACTED] and 1 stay apart: [REDACTED]",
		"nothing here":                                                         "nothing here",
		"ünïcode ✓ SLACKSECRET ✓":                                              "ünïcode ✓ [REDACTED] ✓",
	} {
		assert.Equal(t, want, r.redact(in), in)
	}
	var nilRedactor *redactor
	assert.Equal(t, "x", nilRedactor.redact("x"))
	base := errors.New("post: SLACKSECRET-xyz refused")
	red := r.redactErr(base)
	assert.Equal(t, "post: [REDACTED] refused", red.Error())
	assert.ErrorIs(t, red, base)
}

func TestRedactingLogger(t *testing.T) {
	cfg := webhookConfig("http://127.0.0.1:9/hook?token=" + echoHookToken)
	core, logs := observer.New(zapcore.DebugLevel)
	logger := redactingLogger(zap.New(core), newRedactor(cfg)).With(zap.String("with", "w "+echoHookToken))
	logger.Info("message "+echoHookToken,
		zap.Error(errors.New("err "+echoHookToken)),
		zap.Stringer("stringer", stringerOf("s "+echoHookToken)),
		zap.Any("any", map[string]string{"k": echoHookToken}),
		zap.ByteString("bytes", []byte(echoHookToken)),
		zap.Int("n", 3), zap.String("plain", "ok"))
	require.Equal(t, 1, logs.Len())
	e := logs.All()[0]
	assert.Equal(t, "message [REDACTED]", e.Message)
	ctx := e.ContextMap()
	assert.Equal(t, "w [REDACTED]", ctx["with"])
	assert.Equal(t, "err [REDACTED]", ctx["error"])
	assert.Equal(t, "s [REDACTED]", ctx["stringer"])
	assert.Equal(t, `{"any":{"k":"[REDACTED]"}}`, ctx["any"])
	assert.Equal(t, "[REDACTED]", ctx["bytes"])
	assert.Equal(t, int64(3), ctx["n"])
	assert.Equal(t, "ok", ctx["plain"])
	b, _ := json.Marshal(ctx)
	assert.NotContains(t, string(b), echoHookToken[:8])
}

type stringerOf string

func (s stringerOf) String() string { return string(s) }

// TestSecretAtTheErrorLimit: a secret that straddles the 512 bytes kept of
// an answer is still recognised (redaction runs before the cut).
func TestSecretAtTheErrorLimit(t *testing.T) {
	for _, pad := range []int{maxErrorBody - 12, maxErrorBody - 6, maxErrorBody - 3, maxErrorBody - 1} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, strings.Repeat("x", pad)+r.URL.Query().Get("token"), http.StatusBadRequest)
		}))
		exp := newTestExporter(t, webhookConfig(srv.URL+"/hook?token="+echoHookToken), false, nil)
		err := exp.inner.pushLogs(context.Background(), logsOf(incidentChange("a", "open", 0)))
		require.Error(t, err)
		for _, text := range errorTexts(err) {
			assertNoSecret(t, []string{echoHookToken}, fmt.Sprintf("error (pad %d)", pad), text)
			// Not even the first bytes: the text ends in filler, the marker or "…".
			assert.NotContains(t, text, "xW", "pad %d", pad)
		}
		require.NoError(t, exp.Shutdown(context.Background()))
		srv.Close()
	}
}
