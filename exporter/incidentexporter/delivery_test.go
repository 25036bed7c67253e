package incidentexporter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func webhookConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "webhook"
	cfg.ClientConfig.Endpoint = endpoint
	return cfg
}

// delivered lists "id/state" of what a fake webhook accepted, in order.
func delivered(t *testing.T, f *fakeDest) []string {
	t.Helper()
	var out []string
	for _, b := range f.Bodies() {
		var m struct {
			ID    string `json:"incident_id"`
			State string `json:"state"`
		}
		require.NoError(t, json.Unmarshal([]byte(b), &m))
		out = append(out, m.ID+"/"+m.State)
	}
	return out
}

func incidentChange(id, state string, at time.Duration) change {
	return change{ID: id, State: state, Root: "payment", RootAlert: "PaymentErrors", Alerts: 1, First: t0, Last: t0.Add(at)}
}

func TestRetryOn5xxThenDelivered(t *testing.T) {
	wh := newFakeDest(t, func(n int, _ recorded) reply {
		if n < 2 {
			return reply{status: http.StatusBadGateway, body: "upstream down"}
		}
		return reply{status: http.StatusOK}
	})
	exp := newTestExporter(t, webhookConfig(wh.srv.URL), false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(incidentChange("a", "open", 0))))
	assert.Equal(t, 3, wh.Attempts())
	assert.Equal(t, []string{"a/open"}, delivered(t, wh))
}

func TestRetryAfterHonoured(t *testing.T) {
	wh := newFakeDest(t, func(n int, _ recorded) reply {
		if n == 0 {
			return reply{status: http.StatusTooManyRequests, body: "slow down", header: map[string]string{"Retry-After": "1"}}
		}
		return reply{status: http.StatusOK}
	})
	exp := newTestExporter(t, webhookConfig(wh.srv.URL), false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(incidentChange("a", "open", 0))))
	require.Equal(t, 2, wh.Attempts())
	// Backoff alone would retry after 10ms; Retry-After asked for 1s.
	assert.GreaterOrEqual(t, wh.times[1].Sub(wh.times[0]), time.Second)
}

// TestRetryResendsOnlyUndelivered: a 5xx in the middle of a batch retries
// from that record on, so the destination never sees a record twice.
func TestRetryResendsOnlyUndelivered(t *testing.T) {
	var failedOnce atomic.Bool
	wh := newFakeDest(t, func(_ int, r recorded) reply {
		if strings.Contains(r.Body, `"incident_id":"b"`) && !failedOnce.Swap(true) {
			return reply{status: http.StatusServiceUnavailable}
		}
		return reply{status: http.StatusOK}
	})
	exp := newTestExporter(t, webhookConfig(wh.srv.URL), false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(
		incidentChange("a", "open", 0), incidentChange("b", "open", 0), incidentChange("c", "open", 0))))
	assert.Equal(t, []string{"a/open", "b/open", "c/open"}, delivered(t, wh))
	assert.Equal(t, 4, wh.Attempts())
}

const pdInvalid = `{"status":"invalid event","message":"Event object is invalid","errors":["'payload.summary' is missing or blank"]}`

// TestPermanent4xx: a 400 drops that record only, is not retried, and is
// logged once with the destination's message and without secrets.
func TestPermanent4xx(t *testing.T) {
	pd := newFakeDest(t, func(_ int, r recorded) reply {
		if strings.Contains(r.Body, `"dedup_key":"bad"`) {
			return reply{status: http.StatusBadRequest, body: pdInvalid}
		}
		return reply{status: http.StatusAccepted}
	})
	core, logs := observer.New(zapcore.InfoLevel)
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "pagerduty"
	cfg.ClientConfig.Endpoint = pd.srv.URL + "/v2/enqueue"
	cfg.PagerDuty.RoutingKey = routingKey
	exp := newTestExporterWithLogger(t, cfg, true, nil, zap.New(core))

	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(incidentChange("bad", "open", 0), incidentChange("good", "open", 0))))
	waitUntil(t, "both records tried", func() bool { return pd.Attempts() >= 2 && logs.FilterMessageSnippet("Exporting failed").Len() > 0 })
	require.NoError(t, exp.Shutdown(context.Background()))

	assert.Equal(t, 2, pd.Attempts(), "no retry of a 400")
	require.Len(t, pd.Accepted(), 1)
	assert.Contains(t, pd.Accepted()[0].Body, `"dedup_key":"good"`)

	failures := logs.FilterMessageSnippet("Exporting failed").All()
	require.Len(t, failures, 1, "logged once")
	msg := failures[0].ContextMap()["error"].(string)
	assert.Contains(t, msg, `incident bad (open): pagerduty answered 400 Bad Request: `+pdInvalid)
	for _, e := range logs.All() {
		for _, v := range e.ContextMap() {
			assert.NotContains(t, toString(v), routingKey)
		}
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPermanentErrorIsPermanentWithoutQueue(t *testing.T) {
	wh := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusNotFound, body: "no such hook"} })
	exp := newTestExporter(t, webhookConfig(wh.srv.URL), false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	err := exp.ConsumeLogs(context.Background(), logsOf(incidentChange("a", "open", 0)))
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "webhook answered 404 Not Found: no such hook")
	assert.Equal(t, 1, wh.Attempts())
}

// TestBadDestinationDoesNotBlockAnother: two instances (incident/a,
// incident/b); one destination answers 400 to everything.
func TestBadDestinationDoesNotBlockAnother(t *testing.T) {
	bad := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusBadRequest, body: "invalid_payload"} })
	good := newFakeDest(t, nil)
	expBad := newTestExporterWithLogger(t, webhookConfig(bad.srv.URL), true, nil, zap.NewNop())
	expGood := newTestExporter(t, webhookConfig(good.srv.URL), true, nil)
	changes := []change{incidentChange("a", "open", 0), incidentChange("a", "updated", time.Second), incidentChange("a", "resolved", 2*time.Second)}
	for _, c := range changes {
		require.NoError(t, expBad.ConsumeLogs(context.Background(), logsOf(c)))
		require.NoError(t, expGood.ConsumeLogs(context.Background(), logsOf(c)))
	}
	waitUntil(t, "the good destination to get all three", func() bool { return len(good.Accepted()) == 3 })
	waitUntil(t, "the bad destination to be tried three times", func() bool { return bad.Attempts() == 3 })
	require.NoError(t, expBad.Shutdown(context.Background()))
	require.NoError(t, expGood.Shutdown(context.Background()))
	assert.Equal(t, []string{"a/open", "a/updated", "a/resolved"}, delivered(t, good))
	assert.Equal(t, 3, bad.Attempts(), "each 400 tried once")
}

// TestDownThenBackInOrder: while the destination is down the first change
// retries and the rest wait in the queue; once it is back every change is
// delivered, in order.
func TestDownThenBackInOrder(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	wh := newFakeDest(t, func(int, recorded) reply {
		if down.Load() {
			return reply{status: http.StatusServiceUnavailable, body: "maintenance"}
		}
		return reply{status: http.StatusOK}
	})
	exp := newTestExporterWithLogger(t, webhookConfig(wh.srv.URL), true, nil, zap.NewNop())
	changes := []change{
		incidentChange("a", "open", 0), incidentChange("b", "open", time.Second), incidentChange("a", "updated", 2*time.Second),
		incidentChange("b", "resolved", 3*time.Second), incidentChange("a", "resolved", 4*time.Second),
	}
	for _, c := range changes {
		require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(c)))
	}
	waitUntil(t, "retries while down", func() bool { return wh.Attempts() >= 5 })
	assert.Empty(t, wh.Accepted())
	down.Store(false)
	waitUntil(t, "all five delivered", func() bool { return len(wh.Accepted()) == 5 })
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Equal(t, []string{"a/open", "b/open", "a/updated", "b/resolved", "a/resolved"}, delivered(t, wh))
}

// storageHost offers one file_storage extension.
type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

func startFileStorage(t *testing.T, dir string) (storageHost, component.Component) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), nil))
	return storageHost{exts: map[component.ID]component.Component{component.MustNewID("file_storage"): ext}}, ext
}

// TestPersistentQueueAcrossRestart: the destination is down, the collector
// stops with incidents queued and in flight, and starts again with the
// destination back. The persistent queue re-appends requests that were in
// flight at shutdown after the ones queued behind them, so order across
// incidents may change; per incident, changes arrive in order, and a change
// overtaken by a later one of its incident is dropped and counted, never
// sent late. Nothing is lost.
func TestPersistentQueueAcrossRestart(t *testing.T) {
	tests := []struct {
		name    string
		changes []change
	}{
		{
			name:    "in-flight change of another incident",
			changes: []change{incidentChange("a", "open", 0), incidentChange("b", "open", time.Second), incidentChange("b", "resolved", 2*time.Second)},
		},
		{
			name: "in-flight change superseded",
			changes: []change{incidentChange("a", "open", 0), incidentChange("b", "open", time.Second),
				incidentChange("a", "updated", 2*time.Second), incidentChange("a", "resolved", 3*time.Second)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var down atomic.Bool
			down.Store(true)
			wh := newFakeDest(t, func(int, recorded) reply {
				if down.Load() {
					return reply{status: http.StatusServiceUnavailable}
				}
				return reply{status: http.StatusOK}
			})
			dir := t.TempDir()
			storageID := component.MustNewID("file_storage")
			cfgFor := func() *Config {
				cfg := webhookConfig(wh.srv.URL)
				cfg.QueueConfig.Get().StorageID = &storageID
				return cfg
			}

			host, ext := startFileStorage(t, dir)
			first := newTestExporterWithLogger(t, cfgFor(), true, host, zap.NewNop())
			for _, c := range tt.changes {
				require.NoError(t, first.ConsumeLogs(context.Background(), logsOf(c)))
			}
			waitUntil(t, "the first change retrying", func() bool { return wh.Attempts() >= 2 })
			require.NoError(t, first.Shutdown(context.Background()))
			require.NoError(t, ext.Shutdown(context.Background()))
			require.Empty(t, wh.Accepted())

			down.Store(false)
			host, ext = startFileStorage(t, dir)
			second := newTestExporterWithLogger(t, cfgFor(), true, host, zap.NewNop())
			waitUntil(t, "every queued change delivered or dropped as stale", func() bool {
				return int64(len(wh.Accepted()))+sumOrZero(t, second, "otelcol_exporter_incident_stale_dropped") == int64(len(tt.changes))
			})
			require.NoError(t, second.Shutdown(context.Background()))
			require.NoError(t, ext.Shutdown(context.Background()))

			got := delivered(t, wh)
			perIncident := func(list []string) map[string][]string {
				m := map[string][]string{}
				for _, s := range list {
					id, state, _ := strings.Cut(s, "/")
					m[id] = append(m[id], state)
				}
				return m
			}
			var sent []string
			for _, c := range tt.changes {
				sent = append(sent, c.ID+"/"+c.State)
			}
			want := perIncident(sent)
			gotBy := perIncident(got)
			for id, w := range want {
				states := gotBy[id]
				// In order: what arrived is the sent sequence with
				// overtaken changes left out, and it ends with the last.
				assert.True(t, isSubsequence(states, w), "incident %s: delivered %v, sent %v", id, states, w)
				require.NotEmpty(t, states, "incident %s: nothing delivered", id)
				assert.Equal(t, w[len(w)-1], states[len(states)-1], "incident %s: its last change arrives", id)
			}
			t.Logf("delivered after restart: %v (stale dropped: %d)", got, len(tt.changes)-len(got))
		})
	}
}

func isSubsequence(sub, seq []string) bool {
	i := 0
	for _, s := range seq {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}

func sumOrZero(t *testing.T, e *testExporter, name string) int64 {
	m, err := e.tel.GetMetric(name)
	if err != nil {
		return 0
	}
	var total int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		total += dp.Value
	}
	return total
}

func TestSecretsNeverInErrors(t *testing.T) {
	// Nothing listens on this port: the error comes from the HTTP client,
	// whose own message repeats the full URL.
	wh := newFakeDest(t, nil)
	deadURL := wh.srv.URL
	wh.srv.Close()

	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "slack"
	cfg.Slack.WebhookURL = configopaque.String(deadURL + "/services/T000/B000/XXXXSECRET")
	cfg.RetryConfig.Enabled = false
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	err := exp.ConsumeLogs(context.Background(), logsOf(incidentChange("a", "open", 0)))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "XXXXSECRET")
	assert.NotContains(t, err.Error(), "/services/")
	assert.Contains(t, err.Error(), "slack: post to "+deadURL+":")
	assert.False(t, consumererror.IsPermanent(err), "connection refused is retryable")
}

func TestRedaction(t *testing.T) {
	cfg := webhookConfig("http://127.0.0.1:9/hook")
	cfg.ClientConfig.Headers = configopaque.MapList{{Name: "X-Token", Value: "s3cr3t-token"}}
	err := newRedactor(cfg).redactErr(errors.New(`webhook answered 401 Unauthorized: bad token "Bearer s3cr3t-token"`))
	assert.Equal(t, `webhook answered 401 Unauthorized: bad token "Bearer [REDACTED]"`, err.Error())
	assert.Equal(t, "https://hooks.slack.com", redactURL("https://hooks.slack.com/services/T/B/SECRET?x=1"))
	assert.Equal(t, "http://127.0.0.1:9093", redactURL("http://user:pass@127.0.0.1:9093/api"))
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	assert.Equal(t, 7*time.Second, retryAfter("7", now))
	assert.Equal(t, 30*time.Second, retryAfter(now.Add(30*time.Second).Format(http.TimeFormat), now))
	assert.Equal(t, time.Duration(0), retryAfter("", now))
	assert.Equal(t, time.Duration(0), retryAfter("soon", now))
	assert.Equal(t, time.Duration(0), retryAfter(now.Add(-time.Minute).Format(http.TimeFormat), now))
}

func TestOrderGuard(t *testing.T) {
	g := newOrderGuard()
	open := incident{ID: "a", State: "open", ChangedAt: t0}
	resolved := incident{ID: "a", State: "resolved", ChangedAt: t0.Add(time.Minute)}
	sameInstantUpdate := incident{ID: "a", State: "updated", ChangedAt: t0}
	assert.False(t, g.stale(open))
	g.markDelivered(resolved)
	assert.True(t, g.stale(open))
	assert.True(t, g.stale(sameInstantUpdate))
	assert.False(t, g.stale(incident{ID: "b", State: "open", ChangedAt: t0}))
	reopened := incident{ID: "a", State: "open", ChangedAt: t0.Add(time.Hour)}
	assert.False(t, g.stale(reopened), "a later re-open is not stale")
	g.markDelivered(open) // older: does not move the mark back
	assert.True(t, g.stale(open))
}

func TestOrderGuardBounded(t *testing.T) {
	g := newOrderGuard()
	for i := range maxTrackedIncidents + 5 {
		g.markDelivered(incident{ID: "id-" + itoaN(i), State: "resolved", ChangedAt: t0})
	}
	assert.Len(t, g.delivered, maxTrackedIncidents)
	assert.Len(t, g.fifo, maxTrackedIncidents)
	assert.False(t, g.stale(incident{ID: "id-0", State: "open"}), "oldest forgotten")
}

func itoaN(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
