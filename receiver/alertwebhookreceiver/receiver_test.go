package alertwebhookreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadatatest"
)

var fixedNow = time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)

type testReceiver struct {
	*alertReceiver
	url string
	tel *componenttest.Telemetry
}

func startReceiver(t *testing.T, cfg *Config, next consumer.Logs) *testReceiver {
	t.Helper()
	cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	r, err := newReceiver(metadatatest.NewSettings(tel), cfg, next)
	require.NoError(t, err)
	r.now = func() time.Time { return fixedNow }
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	return &testReceiver{alertReceiver: r, url: "http://" + r.addr.String(), tel: tel}
}

func post(t *testing.T, url, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	require.NoError(t, err)
	return b
}

// record flattens one log record with its resource for exact comparison.
type record struct {
	Resource   map[string]any
	Attributes map[string]any
	Body       string
	Severity   plog.SeverityNumber
	SevText    string
	Timestamp  time.Time
	Observed   time.Time
}

func records(ld plog.Logs) []record {
	var out []record
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				out = append(out, record{
					Resource:   rl.Resource().Attributes().AsRaw(),
					Attributes: lr.Attributes().AsRaw(),
					Body:       lr.Body().AsString(),
					Severity:   lr.SeverityNumber(),
					SevText:    lr.SeverityText(),
					Timestamp:  lr.Timestamp().AsTime(),
					Observed:   lr.ObservedTimestamp().AsTime(),
				})
			}
		}
	}
	return out
}

func allRecords(sink *consumertest.LogsSink) []record {
	var out []record
	for _, ld := range sink.AllLogs() {
		out = append(out, records(ld)...)
	}
	return out
}

func TestAlertmanagerWebhook(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)

	status, body := post(t, r.url+"/alertmanager", "application/json", readFixture(t, "alertmanager-0.25-firing.json"))
	require.Equal(t, http.StatusOK, status, body)

	require.Len(t, sink.AllLogs(), 1)
	ld := sink.AllLogs()[0]
	assert.Equal(t, "github.com/quell-otel/quell/receiver/alertwebhookreceiver", ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Name())
	assert.Equal(t, []record{{
		Resource: map[string]any{"service.name": "checkout"},
		Attributes: map[string]any{
			"alert.rule.name":          "HighErrorRate",
			"alert.fingerprint":        "7d2d332feada5c59",
			"alert.state":              "firing",
			"alert.severity":           "critical",
			"alert.starts_at":          "2026-11-22T01:44:50.051191056Z",
			"alert.source":             "alertmanager",
			"alert.label.alertname":    "HighErrorRate",
			"alert.label.service":      "checkout",
			"alert.label.severity":     "critical",
			"alert.annotation.summary": "5xx > 5%",
		},
		Body:      "5xx > 5%",
		Severity:  plog.SeverityNumberFatal,
		SevText:   "critical",
		Timestamp: time.Date(2026, 11, 22, 1, 44, 50, 51191056, time.UTC),
		Observed:  fixedNow,
	}}, records(ld))
}

func TestGrafanaWebhook(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)

	status, body := post(t, r.url+"/grafana", "application/json; charset=utf-8", readFixture(t, "grafana-firing.json"))
	require.Equal(t, http.StatusOK, status, body)

	labels := func(name, svc, sev string) map[string]any {
		return map[string]any{
			"alert.label.alertname": name, "alert.label.service": svc, "alert.label.severity": sev,
			"alert.label.env": "prod", "alert.label.grafana_folder": "shop",
		}
	}
	first := map[string]any{
		"alert.rule.name":              "CheckoutErrorRate",
		"alert.fingerprint":            "6e0d7a1c2b3f4a5d",
		"alert.state":                  "firing",
		"alert.severity":               "critical",
		"alert.starts_at":              "2026-11-20T10:15:00Z",
		"alert.source":                 "grafana",
		"alert.generator_url":          "https://grafana.example.internal/alerting/grafana/abc123/view",
		"alert.annotation.summary":     "checkout 5xx ratio above 5%",
		"alert.annotation.runbook_url": "https://runbooks.example.internal/checkout-errors",
	}
	for k, v := range labels("CheckoutErrorRate", "checkout", "critical") {
		first[k] = v
	}
	second := map[string]any{
		"alert.rule.name":          "PaymentLatencyHigh",
		"alert.fingerprint":        "91b2c3d4e5f60718",
		"alert.state":              "firing",
		"alert.severity":           "warning",
		"alert.starts_at":          "2026-11-20T10:15:30Z",
		"alert.source":             "grafana",
		"alert.generator_url":      "https://grafana.example.internal/alerting/grafana/def456/view",
		"alert.annotation.summary": "payment p99 above 800ms",
	}
	for k, v := range labels("PaymentLatencyHigh", "payment", "warning") {
		second[k] = v
	}
	assert.Equal(t, []record{
		{
			Resource:   map[string]any{"service.name": "checkout", "deployment.environment.name": "prod"},
			Attributes: first, Body: "checkout 5xx ratio above 5%",
			Severity: plog.SeverityNumberFatal, SevText: "critical",
			Timestamp: time.Date(2026, 11, 20, 10, 15, 0, 0, time.UTC), Observed: fixedNow,
		},
		{
			Resource:   map[string]any{"service.name": "payment", "deployment.environment.name": "prod"},
			Attributes: second, Body: "payment p99 above 800ms",
			Severity: plog.SeverityNumberWarn, SevText: "warning",
			Timestamp: time.Date(2026, 11, 20, 10, 15, 30, 0, time.UTC), Observed: fixedNow,
		},
	}, allRecords(sink))
	assert.Equal(t, 2, sink.AllLogs()[0].ResourceLogs().Len(), "one ResourceLogs per service")
}

// amPayload builds an Alertmanager version 4 webhook.
func amPayload(alerts ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": "firing",
		"receiver": "hook", "groupLabels": map[string]any{}, "commonLabels": map[string]any{},
		"commonAnnotations": map[string]any{}, "externalURL": "http://am", "alerts": alerts,
	})
	return b
}

func amAlert(status string, labels map[string]string) map[string]any {
	return map[string]any{
		"status": status, "labels": labels, "annotations": map[string]string{},
		"startsAt": "2026-11-22T01:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "",
	}
}

func TestFingerprintComputedWhenMissingAndResolvedTimestamp(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)

	labels := map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"}
	resolved := amAlert("resolved", labels)
	resolved["endsAt"] = "2026-11-22T01:30:00Z"
	status, body := post(t, r.url+"/alertmanager", "application/json", amPayload(resolved))
	require.Equal(t, http.StatusOK, status, body)

	got := allRecords(sink)
	require.Len(t, got, 1)
	// The same label set as the real 0.25 webhook, so the same fingerprint.
	assert.Equal(t, "7d2d332feada5c59", got[0].Attributes[alertconv.AttrFingerprint])
	assert.Equal(t, "resolved", got[0].Attributes[alertconv.AttrState])
	assert.Equal(t, "2026-11-22T01:30:00Z", got[0].Attributes[alertconv.AttrEndsAt])
	assert.Equal(t, time.Date(2026, 11, 22, 1, 30, 0, 0, time.UTC), got[0].Timestamp)
	assert.Equal(t, "HighErrorRate", got[0].Body, "no summary: body is the rule name")
}

func TestResourceLabelMapping(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.ResourceLabels = ResourceLabelsConfig{
		ServiceName:      []string{"app", "job"},
		ServiceNamespace: []string{"team"},
		Environment:      []string{"cluster_env"},
	}
	cfg.SeverityLabel = "priority"
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, cfg, sink)

	status, body := post(t, r.url+"/alertmanager", "application/json", amPayload(
		amAlert("firing", map[string]string{"alertname": "A", "job": "cart", "team": "shop", "cluster_env": "staging", "priority": "P3", "severity": "critical"}),
		amAlert("firing", map[string]string{"alertname": "B", "app": "ad", "job": "scrape"}),
	))
	require.Equal(t, http.StatusOK, status, body)
	got := allRecords(sink)
	require.Len(t, got, 2)
	assert.Equal(t, map[string]any{"service.name": "cart", "service.namespace": "shop", "deployment.environment.name": "staging"}, got[0].Resource)
	assert.Equal(t, "P3", got[0].Attributes[alertconv.AttrSeverity])
	assert.Equal(t, plog.SeverityNumberWarn, got[0].Severity)
	assert.Equal(t, map[string]any{"service.name": "ad"}, got[1].Resource, "first label in the list wins")
	assert.NotContains(t, got[1].Attributes, alertconv.AttrSeverity)
	assert.Equal(t, plog.SeverityNumberUnspecified, got[1].Severity)
}

func TestIgnoredAndTruncatedAlerts(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)

	var msg map[string]any
	require.NoError(t, json.Unmarshal(amPayload(
		amAlert("firing", map[string]string{"alertname": "Mine", "incident_id": "inc-1"}),
		amAlert("firing", map[string]string{"alertname": "Theirs"}),
	), &msg))
	msg["truncatedAlerts"] = 3
	b, _ := json.Marshal(msg)
	status, body := post(t, r.url+"/alertmanager", "application/json", b)
	require.Equal(t, http.StatusOK, status, body)

	got := allRecords(sink)
	require.Len(t, got, 1)
	assert.Equal(t, "Theirs", got[0].Attributes[alertconv.AttrRuleName])
	metadatatest.AssertEqualReceiverAlertWebhookAlertsIgnored(t, r.tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualReceiverAlertWebhookAlertsTruncated(t, r.tel, []metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	assert.Equal(t, int64(1), sumMetric(t, r.tel, "otelcol_receiver_accepted_log_records"))

	// Only ignored alerts: 200, nothing consumed.
	sink.Reset()
	status, _ = post(t, r.url+"/alertmanager", "application/json", amPayload(amAlert("firing", map[string]string{"alertname": "Mine", "incident_id": "inc-1"})))
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, sink.AllLogs())
}

func TestIgnoreLabelsEmptyKeepsAll(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.IgnoreLabels = nil
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, cfg, sink)
	status, _ := post(t, r.url+"/alertmanager", "application/json", amPayload(amAlert("firing", map[string]string{"alertname": "Mine", "incident_id": "inc-1"})))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, 1, sink.LogRecordCount())
}

func TestBadRequestsIngestNothing(t *testing.T) {
	valid := amAlert("firing", map[string]string{"alertname": "A"})
	version3 := func() []byte {
		var m map[string]any
		_ = json.Unmarshal(amPayload(valid), &m)
		m["version"] = "3"
		b, _ := json.Marshal(m)
		return b
	}()
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        []byte
		status      int
		reason      string // empty: not counted (unknown path)
		message     string
	}{
		{name: "get", method: http.MethodGet, path: "/alertmanager", status: http.StatusMethodNotAllowed, reason: reasonMethod, message: "method GET not allowed"},
		{name: "text/plain", path: "/alertmanager", contentType: "text/plain", body: amPayload(valid), status: http.StatusUnsupportedMediaType, reason: reasonContentType, message: `content type "text/plain" not supported: send application/json`},
		{name: "no content type", path: "/grafana", body: amPayload(valid), status: http.StatusUnsupportedMediaType, reason: reasonContentType, message: `content type "" not supported`},
		{name: "syntax error", path: "/alertmanager", body: []byte(`{"version":"4","alerts":[{]}`), status: http.StatusBadRequest, reason: reasonMalformed, message: "malformed JSON: invalid character ']' looking for beginning of object key string at byte 27"},
		{name: "truncated body", path: "/alertmanager", body: amPayload(valid)[:40], status: http.StatusBadRequest, reason: reasonMalformed, message: "malformed JSON: body ends before the JSON object does"},
		{name: "empty body", path: "/alertmanager", body: nil, status: http.StatusBadRequest, reason: reasonMalformed, message: "malformed JSON: empty body"},
		{name: "wrong type", path: "/alertmanager", body: []byte(`{"version":"4","alerts":[{"status":"firing","labels":{"a":1}}]}`), status: http.StatusBadRequest, reason: reasonMalformed, message: "malformed JSON: alerts[0].labels.a: got JSON number, want string"},
		{name: "trailing data", path: "/alertmanager", body: append(amPayload(valid), []byte(`{}`)...), status: http.StatusBadRequest, reason: reasonMalformed, message: "malformed JSON: unexpected data after the JSON object"},
		{name: "version 3", path: "/alertmanager", body: version3, status: http.StatusBadRequest, reason: reasonInvalid, message: `invalid payload: version: got "3", want "4"`},
		{name: "second alert bad status", path: "/alertmanager", body: amPayload(valid, amAlert("pending", map[string]string{"alertname": "B"})), status: http.StatusBadRequest, reason: reasonInvalid, message: `invalid payload: alerts[1].status: got "pending", want "firing" or "resolved"`},
		{name: "alert without labels", path: "/alertmanager", body: amPayload(valid, amAlert("firing", nil)), status: http.StatusBadRequest, reason: reasonInvalid, message: "invalid payload: alerts[1].labels: missing"},
		{name: "legacy grafana", path: "/grafana", body: []byte(`{"title":"x","ruleName":"r","state":"alerting","evalMatches":[]}`), status: http.StatusBadRequest, reason: reasonInvalid, message: "invalid payload: alerts: missing (legacy Grafana alerting webhooks are not supported"},
		{name: "too large", path: "/alertmanager", body: bytes.Repeat([]byte(" "), 4096), status: http.StatusRequestEntityTooLarge, reason: reasonTooLarge, message: "request body larger than max_request_body_size (2048 bytes)"},
		{name: "unknown path", path: "/other", body: amPayload(valid), status: http.StatusNotFound, message: `no webhook at "/other"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.ServerConfig.MaxRequestBodySize = 2048
			sink := new(consumertest.LogsSink)
			r := startReceiver(t, cfg, sink)
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			ct := tt.contentType
			if ct == "" && tt.name != "no content type" {
				ct = "application/json"
			}
			req, err := http.NewRequestWithContext(context.Background(), method, r.url+tt.path, bytes.NewReader(tt.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", ct)
			status, body := do(t, req)
			assert.Equal(t, tt.status, status)
			assert.Contains(t, body, tt.message)
			assert.Empty(t, sink.AllLogs(), "nothing ingested")
			if tt.reason != "" {
				metadatatest.AssertEqualReceiverAlertWebhookRequestsRejected(t, r.tel, []metricdata.DataPoint[int64]{{
					Value: 1, Attributes: attribute.NewSet(attribute.String("reason", tt.reason)),
				}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
			}
		})
	}
}

func TestGzipBody(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, createDefaultConfig().(*Config), sink)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(readFixture(t, "alertmanager-0.25-firing.json"))
	require.NoError(t, zw.Close())
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, r.url+"/alertmanager", &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	status, body := do(t, req)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, 1, sink.LogRecordCount())
}

func TestPipelineErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		message string
	}{
		{name: "back-pressure", err: errors.New("sending queue is full"), status: http.StatusServiceUnavailable, message: "pipeline busy, retry later: sending queue is full"},
		{name: "permanent", err: consumererror.NewPermanent(errors.New("bad data")), status: http.StatusBadRequest, message: "alerts rejected by the pipeline: Permanent error: bad data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startReceiver(t, createDefaultConfig().(*Config), consumertest.NewErr(tt.err))
			status, body := post(t, r.url+"/grafana", "application/json", readFixture(t, "grafana-firing.json"))
			assert.Equal(t, tt.status, status)
			assert.Contains(t, body, tt.message)
			assert.Equal(t, int64(2), sumMetric(t, r.tel, "otelcol_receiver_refused_log_records"))
			assert.Equal(t, int64(0), sumMetric(t, r.tel, "otelcol_receiver_accepted_log_records"))
		})
	}
}

func TestShutdownIdempotentAndWithoutStart(t *testing.T) {
	r, err := newReceiver(metadatatest.NewSettings(componenttest.NewTelemetry()), createDefaultConfig().(*Config), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, r.Shutdown(context.Background()))
	require.NoError(t, r.Shutdown(context.Background()))
	require.Error(t, r.Start(context.Background(), componenttest.NewNopHost()), "no restart after shutdown")
}

func TestStartFailsOnBusyPort(t *testing.T) {
	first := startReceiver(t, createDefaultConfig().(*Config), consumertest.NewNop())
	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.NetAddr.Endpoint = first.addr.String()
	r, err := newReceiver(metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, consumertest.NewNop())
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, "alert_webhook: listen on "+first.addr.String())
	require.NoError(t, r.Shutdown(context.Background()))
}

// sumMetric adds up an int64 sum metric's data points (0 when absent).
func sumMetric(t *testing.T, tel *componenttest.Telemetry, name string) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return 0
		}
		require.NoError(t, err)
	}
	var total int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		total += dp.Value
	}
	return total
}
