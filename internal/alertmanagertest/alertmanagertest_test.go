package alertmanagertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestConfigYAML(t *testing.T) {
	got := configYAML(Options{WebhookURL: "http://127.0.0.1:1/hook", GroupBy: []string{"alertname"}, GroupWait: 1500 * time.Millisecond, MaxAlerts: 2})
	want := `global:
  resolve_timeout: 5m
route:
  receiver: hook
  group_by: ["alertname"]
  group_wait: 1500ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: "http://127.0.0.1:1/hook"
        send_resolved: true
        max_alerts: 2
`
	if got != want {
		t.Fatalf("configYAML:\n%s\nwant:\n%s", got, want)
	}
}

// TestWebhookRoundTrip checks the helper end to end: alerts posted to the API
// come back as a version 4 webhook.
func TestWebhookRoundTrip(t *testing.T) {
	got := make(chan map[string]any, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(body, &m); err == nil {
			got <- m
		}
	}))
	defer srv.Close()

	am := Start(t, Options{WebhookURL: srv.URL + "/hook"})
	am.PostAlerts(t, Alert{Labels: map[string]string{"alertname": "Up", "service": "a"}})
	select {
	case m := <-got:
		if m["version"] != "4" {
			t.Fatalf("webhook version = %v, want 4", m["version"])
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no webhook; alertmanager output:\n%s", am.Output())
	}
	if n := len(am.Alerts(t)); n != 1 {
		t.Fatalf("Alerts() = %d alerts, want 1", n)
	}
}
