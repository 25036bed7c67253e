package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/exporter/incidentexporter"
	"github.com/quell-otel/quell/internal/alertconv"
)

func incidentRecord() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(alertconv.ResourceServiceName, "payment")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	now := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(now))
	lr.Body().SetStr("payment 5xx above 5%")
	a := lr.Attributes()
	a.PutStr(alertconv.AttrIncidentID, "inc-7f3a")
	a.PutStr(alertconv.AttrIncidentState, alertconv.IncidentOpen)
	a.PutStr(alertconv.AttrIncidentRootService, "payment")
	a.PutStr(alertconv.AttrIncidentRootAlert, "PaymentErrors")
	s := a.PutEmptySlice(alertconv.AttrIncidentServices)
	s.AppendEmpty().SetStr("checkout")
	s.AppendEmpty().SetStr("payment")
	a.PutInt(alertconv.AttrIncidentAlertCount, 2)
	a.PutInt(alertconv.AttrIncidentSuppressed, 1)
	a.PutStr(alertconv.AttrIncidentFirstSeen, now.Format(time.RFC3339))
	a.PutStr(alertconv.AttrIncidentLastSeen, now.Format(time.RFC3339))
	a.PutStr(alertconv.AttrSeverity, "critical")
	a.PutStr(alertconv.AttrLabelPrefix+"alertname", "PaymentErrors")
	a.PutStr(alertconv.AttrLabelPrefix+"service", "payment")
	a.PutStr(alertconv.AttrAnnotationPrefix+"summary", "payment 5xx above 5%")
	return ld
}

// BenchmarkIncidentExporter delivers one incident record per iteration to a
// loopback HTTP server answering 202 (queue off, so each ConsumeLogs waits
// for the request). quell_pagerduty / quell_webhook are the exporter;
// baseline_raw_post posts a pre-encoded PagerDuty event of the same size
// with a bare http.Client, the floor of one request per incident. (No
// upstream exporter for these destinations is served at v0.159.0:
// contrib's alertmanagerexporter is missing.)
func BenchmarkIncidentExporter(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	for _, dest := range []string{"pagerduty", "webhook"} {
		b.Run("quell_"+dest, func(b *testing.B) {
			f := incidentexporter.NewFactory()
			cfg := f.CreateDefaultConfig().(*incidentexporter.Config)
			cfg.Destination = dest
			cfg.ClientConfig.Endpoint = srv.URL
			cfg.PagerDuty.RoutingKey = "R0UT1NGKEY0123456789abcdefabcdef"
			cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
			exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(component.MustNewType("incident")), cfg)
			if err != nil {
				b.Fatal(err)
			}
			if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = exp.Shutdown(context.Background()) }()
			ld := incidentRecord()
			b.ReportAllocs()
			for b.Loop() {
				if err := exp.ConsumeLogs(context.Background(), ld); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "incidents/s")
		})
	}

	b.Run("baseline_raw_post", func(b *testing.B) {
		body, _ := json.Marshal(map[string]any{
			"routing_key": "R0UT1NGKEY0123456789abcdefabcdef", "event_action": "trigger", "dedup_key": "inc-7f3a",
			"payload": map[string]any{"summary": "[open] payment: PaymentErrors (2 alerts, 1 suppressed)", "source": "payment", "severity": "critical"},
		})
		client := &http.Client{}
		b.ReportAllocs()
		for b.Loop() {
			resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "incidents/s")
	})
}
