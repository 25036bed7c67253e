package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// checkoutTraces are n frontend -> checkout -> payment requests, every
// second one failing at payment (the failure travels up to the callers).
func checkoutTraces(n int, offset uint64) ptrace.Traces {
	return alertscenario.ChainTraces([]string{"frontend", "checkout", "payment"}, n, offset, time.Now(),
		func(k uint64) bool { return k%2 == 0 })
}

// amWebhook is an Alertmanager v4 webhook with one firing alert per
// service.
func amWebhook(rule string, services ...string) []byte {
	var alerts []map[string]any
	for _, s := range services {
		alerts = append(alerts, map[string]any{
			"status": "firing", "labels": map[string]string{"alertname": rule, "service": s, "severity": "critical"},
			"annotations": map[string]string{}, "startsAt": time.Now().UTC().Format(time.RFC3339Nano),
			"endsAt": "0001-01-01T00:00:00Z",
		})
	}
	b, _ := json.Marshal(map[string]any{
		"version": "4", "receiver": "quell", "status": "firing", "alerts": alerts,
		"groupLabels": map[string]string{}, "commonLabels": map[string]string{}, "groupKey": "{}:{}",
	})
	return b
}

// TestAlertsConfigPagesOnceWithTraceEvidence runs the shipped
// config/alerts.yaml: traces show payment failing; alerts at payment and
// its callers make one page whose root is payment, with the evidence line
// and an exemplar trace ID.
func TestAlertsConfigPagesOnceWithTraceEvidence(t *testing.T) {
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer am.Close()
	col := Start(t, Options{
		Configs: []string{"config/alerts.yaml"},
		Ports:   []string{"ALERT_WEBHOOK", "OTLP_GRPC", "TOPOLOGY"},
		Env: map[string]string{
			"QUELL_ALERTMANAGER_URL":   am.URL,
			"QUELL_ALERT_GROUP_WAIT":   "3s",
			"QUELL_ALERT_RESOLVE_HOLD": "3s",
		},
	})
	// A few seconds of traffic with payment failing (the graph is learned
	// from the same spans).
	for i := range 10 {
		SendTraces(t, col.Addr("OTLP_GRPC"), checkoutTraces(20, uint64(i*20)))
		time.Sleep(200 * time.Millisecond)
	}
	hook := "http://" + col.Addr("ALERT_WEBHOOK") + "/alertmanager"
	status, body := postJSON(t, hook, "application/json", amWebhook("HighErrorRate", "frontend", "checkout"))
	require.Equal(t, http.StatusOK, status, body)
	status, body = postJSON(t, hook, "application/json", amWebhook("PaymentFailing", "payment"))
	require.Equal(t, http.StatusOK, status, body)

	path := filepath.Join(col.DataDir(), "incidents.jsonl")
	var records []map[string]any
	eventually(t, "the page in incidents.jsonl", func() bool {
		records = incidentRecords(t, path)
		return len(records) > 0
	})
	time.Sleep(2 * time.Second) // room for a second page, if one were coming
	col.Stop(t)
	records = incidentRecords(t, path)
	var opens []map[string]any
	for _, r := range records {
		if r["incident.state"] == "open" {
			opens = append(opens, r)
		}
	}
	require.Len(t, opens, 1, "one page: %v", records)
	page := opens[0]
	assert.Equal(t, "payment", page["incident.root_service"])
	assert.Equal(t, []any{"checkout", "frontend"}, page["incident.symptoms"])
	why, _ := page["incident.evidence"].(string)
	assert.True(t, strings.HasPrefix(why, "errors originate in payment: "), why)
	assert.Contains(t, why, "2 of 2 alerting services' errors pass through payment")
	ex, _ := page["incident.exemplar_trace_id"].(string)
	require.Len(t, ex, 32)
	n, err := strconv.ParseUint(ex[16:], 16, 64)
	require.NoError(t, err)
	assert.Zero(t, (n-1)%2, "the exemplar is a failing trace")
}

// incidentRecords reads the attributes of the incident records in a file
// exporter's JSON lines.
func incidentRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var doc struct {
			ResourceLogs []struct {
				ScopeLogs []struct {
					LogRecords []struct {
						Attributes []struct {
							Key   string          `json:"key"`
							Value json.RawMessage `json:"value"`
						} `json:"attributes"`
					} `json:"logRecords"`
				} `json:"scopeLogs"`
			} `json:"resourceLogs"`
		}
		if json.Unmarshal(sc.Bytes(), &doc) != nil {
			continue
		}
		for _, rl := range doc.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					attrs := map[string]any{}
					for _, a := range lr.Attributes {
						attrs[a.Key] = otlpValue(a.Value)
					}
					if _, ok := attrs["incident.state"]; ok {
						out = append(out, attrs)
					}
				}
			}
		}
	}
	return out
}

// otlpValue decodes an OTLP/JSON AnyValue (strings, ints, string arrays).
func otlpValue(raw json.RawMessage) any {
	var v struct {
		StringValue *string `json:"stringValue"`
		IntValue    *string `json:"intValue"`
		ArrayValue  *struct {
			Values []json.RawMessage `json:"values"`
		} `json:"arrayValue"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.IntValue != nil:
		return *v.IntValue
	case v.ArrayValue != nil:
		out := []any{}
		for _, e := range v.ArrayValue.Values {
			out = append(out, otlpValue(e))
		}
		return out
	}
	return nil
}
