package alertwebhookreceiver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/quell-otel/quell/internal/alertconv"
)

// amAlertWith is a valid firing alert with fields overridden (raw JSON).
func amAlertWith(overrides map[string]any) map[string]any {
	a := amAlert("firing", map[string]string{"alertname": "A", "service": "checkout"})
	for k, v := range overrides {
		a[k] = v
	}
	return a
}

// rawPayload is an Alertmanager payload with top-level fields overridden.
func rawPayload(t *testing.T, top map[string]any, alerts ...map[string]any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(amPayload(alerts...), &m))
	for k, v := range top {
		m[k] = v
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// TestFieldNamedErrors: every field Quell reads, of both payload kinds,
// named in the 400 when its value is wrong.
func TestFieldNamedErrors(t *testing.T) {
	many := map[string]string{}
	for i := range 30 {
		many[fmt.Sprintf("k%02d", i)] = "v"
	}
	tests := []struct {
		name   string
		body   []byte
		source string
		want   []string
	}{
		{"startsAt", rawPayload(t, nil, amAlertWith(nil), amAlertWith(map[string]any{"startsAt": "yesterday"})), alertconv.SourceAlertmanager,
			[]string{`invalid payload: alerts[1].startsAt: "yesterday" is not an RFC 3339 time`}},
		{"endsAt", rawPayload(t, nil, amAlertWith(map[string]any{"endsAt": "2026-13-45T99:00:00Z"})), alertconv.SourceGrafana,
			[]string{`alerts[0].endsAt: "2026-13-45T99:00:00Z" is not an RFC 3339 time`}},
		{"startsAt type", rawPayload(t, nil, amAlertWith(map[string]any{"startsAt": 1700000000})), alertconv.SourceAlertmanager,
			[]string{"malformed JSON: alerts[0].startsAt: got JSON number, want string"}},
		{"status type", rawPayload(t, nil, amAlertWith(map[string]any{"status": true})), alertconv.SourceGrafana,
			[]string{"alerts[0].status: got JSON bool, want string"}},
		{"status value", rawPayload(t, nil, amAlertWith(map[string]any{"status": "pending"})), alertconv.SourceGrafana,
			[]string{`alerts[0].status: got "pending", want "firing" or "resolved"`}},
		{"labels type", rawPayload(t, nil, amAlertWith(map[string]any{"labels": []string{"a"}})), alertconv.SourceAlertmanager,
			[]string{"alerts[0].labels: got JSON array, want object"}},
		{"label value type", rawPayload(t, nil, amAlertWith(map[string]any{"labels": map[string]any{"alertname": "A", "replicas": 3}})), alertconv.SourceAlertmanager,
			[]string{"alerts[0].labels.replicas: got JSON number, want string"}},
		{"odd label key", rawPayload(t, nil, amAlertWith(map[string]any{"labels": map[string]any{"a b": nil, "x": "y"}})), alertconv.SourceAlertmanager,
			[]string{`alerts[0].labels["a b"]: got JSON null`}},
		{"annotation value type", rawPayload(t, nil, amAlertWith(map[string]any{"annotations": map[string]any{"summary": map[string]any{}}})), alertconv.SourceGrafana,
			[]string{"alerts[0].annotations.summary: got JSON object, want string"}},
		{"annotations type", rawPayload(t, nil, amAlertWith(map[string]any{"annotations": "x"})), alertconv.SourceGrafana,
			[]string{"alerts[0].annotations: got JSON string, want object"}},
		{"generatorURL type", rawPayload(t, nil, amAlertWith(map[string]any{"generatorURL": 5})), alertconv.SourceAlertmanager,
			[]string{"alerts[0].generatorURL: got JSON number, want string"}},
		{"fingerprint type", rawPayload(t, nil, amAlertWith(map[string]any{"fingerprint": []int{1}})), alertconv.SourceGrafana,
			[]string{"alerts[0].fingerprint: got JSON array, want string"}},
		{"alert type", rawPayload(t, map[string]any{"alerts": []any{"x"}}), alertconv.SourceGrafana,
			[]string{"alerts[0]: got JSON string, want object"}},
		{"alerts type", rawPayload(t, map[string]any{"alerts": map[string]any{}}), alertconv.SourceGrafana,
			[]string{"malformed JSON: alerts: got JSON object, want array"}},
		{"version type", rawPayload(t, map[string]any{"version": 4}, amAlertWith(nil)), alertconv.SourceAlertmanager,
			[]string{"version: got JSON number, want string"}},
		{"groupKey type", rawPayload(t, map[string]any{"groupKey": map[string]any{}}, amAlertWith(nil)), alertconv.SourceAlertmanager,
			[]string{"groupKey: got JSON object, want string"}},
		{"truncatedAlerts negative", rawPayload(t, map[string]any{"truncatedAlerts": -1}, amAlertWith(nil)), alertconv.SourceAlertmanager,
			[]string{"truncatedAlerts: got JSON number -1, want non-negative integer"}},
		{"top status type", rawPayload(t, map[string]any{"status": 1}, amAlertWith(nil)), alertconv.SourceGrafana,
			[]string{"status: got JSON number, want string"}},
		{"receiver type", rawPayload(t, map[string]any{"receiver": []any{}}, amAlertWith(nil)), alertconv.SourceGrafana,
			[]string{"receiver: got JSON array, want string"}},
		{"payload type", []byte(`[1]`), alertconv.SourceGrafana,
			[]string{"payload: got JSON array, want object"}},
		{"several, in order", rawPayload(t, nil, amAlertWith(map[string]any{"startsAt": "now", "endsAt": "later", "status": "x"})), alertconv.SourceAlertmanager,
			[]string{"alerts[0].status: got \"x\"", "alerts[0].startsAt: \"now\"", "alerts[0].endsAt: \"later\""}},
		{"bounded", rawPayload(t, nil, amAlertWith(map[string]any{"labels": func() map[string]any {
			m := map[string]any{}
			for k := range many {
				m[k] = 1
			}
			return m
		}()})), alertconv.SourceAlertmanager,
			[]string{"alerts[0].labels.k00: got JSON number", "alerts[0].labels.k09: got JSON number", "and 20 more errors"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeMessage(tt.body, tt.source, createDefaultConfig().(*Config).Limits)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
			if len(tt.want) > 1 {
				text := err.Error()
				for i := 1; i < len(tt.want); i++ {
					assert.Less(t, strings.Index(text, tt.want[i-1]), strings.Index(text, tt.want[i]), "errors in field order")
				}
			}
			assert.LessOrEqual(t, strings.Count(err.Error(), "\n"), maxReportedErrors, "a bounded answer")
		})
	}
}

// TestTimestampErrorOverHTTP: the case, end to end through the handler.
func TestTimestampErrorOverHTTP(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)
	status, body := post(t, r.url+"/grafana", "application/json", rawPayload(t, nil, amAlertWith(map[string]any{"startsAt": "yesterday"})))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid payload: alerts[0].startsAt: \"yesterday\" is not an RFC 3339 time (like 2026-11-22T01:00:00Z)\n", body)
	assert.Empty(t, sink.AllLogs())
}

// TestPayloadLimits: one case per limit, with small limits configured.
func TestPayloadLimits(t *testing.T) {
	labels := func(n int) map[string]string {
		m := map[string]string{"alertname": "A"}
		for i := 1; i < n; i++ {
			m[fmt.Sprintf("l%d", i)] = "v"
		}
		return m
	}
	withAnnotations := func(ann map[string]string) map[string]any {
		a := amAlert("firing", labels(1))
		a["annotations"] = ann
		return a
	}
	tests := []struct {
		name   string
		body   []byte
		status int
		want   string
	}{
		{"max_alerts", amPayload(amAlert("firing", labels(1)), amAlert("firing", labels(1)), amAlert("firing", labels(1)), amAlert("firing", labels(1))),
			http.StatusBadRequest, "invalid payload: alerts: 4 alerts, more than limits.max_alerts (3); lower the sender's max_alerts"},
		{"max_labels", amPayload(amAlert("firing", labels(1)), amAlert("firing", labels(6))),
			http.StatusBadRequest, "invalid payload: alerts[1].labels: 6 entries, more than limits.max_labels (5)"},
		{"max_annotations", amPayload(withAnnotations(map[string]string{"a": "1", "b": "2", "c": "3"})),
			http.StatusBadRequest, "invalid payload: alerts[0].annotations: 3 entries, more than limits.max_annotations (2)"},
		{"max_key_length label", amPayload(amAlert("firing", map[string]string{"alertname": "A", "abcdefghijklmnopq": "v"})),
			http.StatusBadRequest, "invalid payload: alerts[0].labels.abcdefghijklmnopq: name of 17 bytes, longer than limits.max_key_length (16)"},
		{"max_key_length annotation", amPayload(withAnnotations(map[string]string{strings.Repeat("k", 100): "v"})),
			http.StatusBadRequest, `invalid payload: alerts[0].annotations["` + strings.Repeat("k", 64) + `"…]: name of 100 bytes, longer than limits.max_key_length (16)`},
		{"max_label_value_length", amPayload(amAlert("firing", map[string]string{"alertname": "A", "pod": strings.Repeat("p", 33)})),
			http.StatusBadRequest, "invalid payload: alerts[0].labels.pod: value of 33 bytes, longer than limits.max_label_value_length (32)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			r := startReceiver(t, smallLimits(), sink)
			status, body := post(t, r.url+"/alertmanager", "application/json", tt.body)
			assert.Equal(t, tt.status, status)
			assert.Equal(t, tt.want+"\n", body)
			assert.Empty(t, sink.AllLogs())
			assert.Equal(t, int64(1), sumMetric(t, r.tel, "otelcol_receiver_alert_webhook_requests_rejected"))
		})
	}
}

func smallLimits() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Limits = LimitsConfig{MaxAlerts: 3, MaxLabels: 5, MaxAnnotations: 2, MaxKeyLength: 16, MaxLabelValueLength: 32, MaxAnnotationValueLength: 40}
	return cfg
}

// TestAnnotationValueTruncated: an annotation value over its limit is cut
// with a marker and counted; the alert is ingested.
func TestAnnotationValueTruncated(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, smallLimits(), sink)
	a := amAlert("firing", map[string]string{"alertname": "A"})
	a["annotations"] = map[string]string{"summary": "short", "description": strings.Repeat("é", 100)}
	status, body := post(t, r.url+"/alertmanager", "application/json", amPayload(a))
	require.Equal(t, http.StatusOK, status, body)
	got := allRecords(sink)
	require.Len(t, got, 1)
	desc := got[0].Attributes[alertconv.AttrAnnotationPrefix+"description"].(string)
	assert.Equal(t, strings.Repeat("é", 13)+truncationMarker, desc, "cut on a rune boundary, marker included in the 40 bytes")
	assert.LessOrEqual(t, len(desc), 40)
	assert.Equal(t, "short", got[0].Attributes[alertconv.AttrAnnotationPrefix+"summary"])
	assert.Equal(t, int64(1), sumMetric(t, r.tel, "otelcol_receiver_alert_webhook_values_truncated"))
}

// TestDefaultLimitsHoldTheProbe: the probe's payloads, a 5 MB label value
// and 10,000 labels on one alert, are refused under the default limits,
// while the real Alertmanager and Grafana payloads pass.
func TestDefaultLimitsHoldTheProbe(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)
	huge := amAlert("firing", map[string]string{"alertname": "A", "blob": strings.Repeat("x", 5<<20)})
	status, body := post(t, r.url+"/alertmanager", "application/json", amPayload(huge))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "alerts[0].labels.blob: value of 5242880 bytes, longer than limits.max_label_value_length (16384)")
	status, body = post(t, r.url+"/alertmanager", "application/json", amPayload(amAlert("firing", func() map[string]string {
		m := map[string]string{}
		for i := range 10000 {
			m[fmt.Sprintf("label_%d", i)] = "v"
		}
		return m
	}())))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "alerts[0].labels: 10000 entries, more than limits.max_labels (256)")
	assert.Empty(t, sink.AllLogs())

	for path, file := range map[string]string{"/alertmanager": "alertmanager-0.25-firing.json", "/grafana": "grafana-firing.json"} {
		status, body := post(t, r.url+path, "application/json", readFixture(t, file))
		assert.Equal(t, http.StatusOK, status, body)
	}
	assert.Equal(t, int64(0), sumMetric(t, r.tel, "otelcol_receiver_alert_webhook_values_truncated"))
}

// slowClient opens a raw connection to the receiver and writes part of a
// request.
func slowClient(t *testing.T, r *testReceiver, partial string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", r.addr.String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = io.WriteString(conn, partial)
	require.NoError(t, err)
	return conn
}

// cutOff waits (at most a generous minute) for the server to end the
// connection and returns what it answered and how long that took.
func cutOff(t *testing.T, conn net.Conn, start time.Time) (string, time.Duration) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Minute)))
	b, err := io.ReadAll(bufio.NewReader(conn))
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		t.Fatalf("server kept the stalled connection open for a minute (answered %q)", b)
	}
	return string(b), time.Since(start)
}

// TestSlowlorisBodyCutOff: headers announce a megabyte, 5 bytes follow,
// then nothing. read_timeout answers 408 and closes the connection.
func TestSlowlorisBodyCutOff(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.ReadTimeout = time.Second
	r := startReceiver(t, cfg, new(consumertest.LogsSink))
	start := time.Now()
	conn := slowClient(t, r, "POST /alertmanager HTTP/1.1\r\nHost: quell\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"ver")
	answer, took := cutOff(t, conn, start)
	assert.True(t, strings.HasPrefix(answer, "HTTP/1.1 408 Request Timeout\r\n"), answer)
	assert.Contains(t, answer, "request body not received within read_timeout (1s)")
	assert.GreaterOrEqual(t, took, time.Second)
	assert.Less(t, took, 20*time.Second, "cut off near read_timeout (generous for loaded CI machines)")
	assert.Equal(t, int64(1), sumMetric(t, r.tel, "otelcol_receiver_alert_webhook_requests_rejected"))
}

// TestSlowlorisHeadersCutOff: half a header block, then nothing.
// read_header_timeout closes the connection.
func TestSlowlorisHeadersCutOff(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.ReadHeaderTimeout = time.Second
	cfg.ServerConfig.ReadTimeout = time.Hour // the header timeout alone must cut it
	r := startReceiver(t, cfg, new(consumertest.LogsSink))
	start := time.Now()
	conn := slowClient(t, r, "POST /alertmanager HTTP/1.1\r\nHost: quell\r\nContent-Ty")
	_, took := cutOff(t, conn, start)
	assert.GreaterOrEqual(t, took, time.Second)
	assert.Less(t, took, 20*time.Second, "cut off near read_header_timeout")
}

// TestIdleConnectionClosed: a keep-alive connection left idle is closed
// after idle_timeout.
func TestIdleConnectionClosed(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.IdleTimeout = time.Second
	r := startReceiver(t, cfg, new(consumertest.LogsSink))
	body := string(amPayload(amAlert("firing", map[string]string{"alertname": "A"})))
	start := time.Now()
	conn := slowClient(t, r, fmt.Sprintf("POST /alertmanager HTTP/1.1\r\nHost: quell\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	answer, took := cutOff(t, conn, start)
	assert.True(t, strings.HasPrefix(answer, "HTTP/1.1 200 OK\r\n"), answer)
	assert.Less(t, took, 20*time.Second, "idle connection closed near idle_timeout")
}

// TestIdleTimeoutOutlastsClients: the server keeps an idle keep-alive
// connection longer than the clients that send webhooks keep theirs, so
// the client closes it first and never sends a (periodic) request on a
// connection the server is closing, which fails with EOF and is not
// retried for a POST. The storm replay lost a request so with 60s, the
// period of its repeats.
func TestIdleTimeoutOutlastsClients(t *testing.T) {
	idle := createDefaultConfig().(*Config).ServerConfig.IdleTimeout
	goDefault := http.DefaultTransport.(*http.Transport).IdleConnTimeout
	assert.Greater(t, idle, goDefault, "Go's default client")
	// Alertmanager's webhook client: prometheus/common config's
	// idleConnTimeout default (config/http_config.go, v0.70.1).
	assert.Greater(t, idle, 5*time.Minute, "Alertmanager's client")
}

func TestServerDefaultsAreSafe(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, 10*time.Second, cfg.ServerConfig.ReadHeaderTimeout)
	assert.Equal(t, 30*time.Second, cfg.ServerConfig.ReadTimeout)
	assert.Equal(t, 30*time.Second, cfg.ServerConfig.WriteTimeout)
	assert.Equal(t, 6*time.Minute, cfg.ServerConfig.IdleTimeout)
	assert.Equal(t, LimitsConfig{MaxAlerts: 10000, MaxLabels: 256, MaxAnnotations: 256, MaxKeyLength: 1024,
		MaxLabelValueLength: 16384, MaxAnnotationValueLength: 65536}, cfg.Limits)
	_ = context.Background
}
