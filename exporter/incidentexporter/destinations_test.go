package incidentexporter

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/quell-otel/quell/exporter/incidentexporter/internal/metadatatest"
	"github.com/quell-otel/quell/internal/alertconv"
)

const routingKey = "R0UT1NGKEY0123456789abcdefabcdef"

// customDetails is what every state of paymentIncident reports, with the
// fields that change filled in.
func customDetails(state, services string, alerts, suppressed int, last string) string {
	return `{
		"incident_id": "inc-7f3a", "state": "` + state + `", "root_service": "payment", "root_alert": "PaymentErrors",
		"services": ` + services + `, "alert_count": ` + itoa(alerts) + `, "suppressed_count": ` + itoa(suppressed) + `,
		"first_seen": "2026-11-22T01:00:00Z", "last_seen": "` + last + `", "severity": "critical",
		"labels": {"alertname": "PaymentErrors", "service": "payment", "severity": "critical"},
		"annotations": {"summary": "payment 5xx above 5%", "runbook_url": "https://runbooks.example/payment"},
		"alert.generator_url": "http://prometheus:9090/graph?g0.expr=x"
	}`
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestPagerDutyRequests(t *testing.T) {
	pd := newFakeDest(t, func(int, recorded) reply {
		return reply{status: http.StatusAccepted, body: `{"status":"success","message":"Event processed","dedup_key":"inc-7f3a"}`}
	})
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "pagerduty"
	cfg.ClientConfig.Endpoint = pd.srv.URL + "/v2/enqueue"
	cfg.PagerDuty.RoutingKey = routingKey
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	open, updated, resolved := paymentIncident()
	for _, c := range []change{open, updated, resolved} {
		require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(c)))
	}

	got := pd.Accepted()
	require.Len(t, got, 3)
	for _, r := range got {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/v2/enqueue", r.Path)
		assert.Equal(t, "application/json", r.ContentType)
	}
	links := `[{"href":"http://prometheus:9090/graph?g0.expr=x","text":"Alert rule"},{"href":"https://runbooks.example/payment","text":"runbook"}]`
	assert.JSONEq(t, `{
		"routing_key": "`+routingKey+`", "event_action": "trigger", "dedup_key": "inc-7f3a", "client": "Quell",
		"payload": {
			"summary": "[open] payment: PaymentErrors (2 alerts, 1 suppressed)", "source": "payment", "severity": "critical",
			"timestamp": "2026-11-22T01:00:30Z", "component": "payment", "group": "shop", "class": "PaymentErrors",
			"custom_details": `+customDetails("open", `["checkout","payment"]`, 2, 1, "2026-11-22T01:00:30Z")+`
		},
		"links": `+links+`
	}`, got[0].Body)
	assert.JSONEq(t, `{
		"routing_key": "`+routingKey+`", "event_action": "trigger", "dedup_key": "inc-7f3a", "client": "Quell",
		"payload": {
			"summary": "[updated] payment: PaymentErrors (3 alerts, 2 suppressed)", "source": "payment", "severity": "critical",
			"timestamp": "2026-11-22T01:02:00Z", "component": "payment", "group": "shop", "class": "PaymentErrors",
			"custom_details": `+customDetails("updated", `["cart","checkout","payment"]`, 3, 2, "2026-11-22T01:02:00Z")+`
		},
		"links": `+links+`
	}`, got[1].Body)
	assert.JSONEq(t, `{"routing_key": "`+routingKey+`", "event_action": "resolve", "dedup_key": "inc-7f3a"}`, got[2].Body)

	metadatatest.AssertEqualExporterIncidentNotifications(t, exp.tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("incident.state", "open"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("incident.state", "updated"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("incident.state", "resolved"))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestPagerDutyTemplateAndOptions(t *testing.T) {
	pd := newFakeDest(t, nil)
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "pagerduty"
	cfg.ClientConfig.Endpoint = pd.srv.URL
	cfg.PagerDuty = PagerDutyConfig{
		RoutingKey: routingKey, SummaryTemplate: `{{.RootService}} down, {{len .Services}} services, open {{.OpenFor}}`,
		Source: "shop-prod", Client: "Quell prod", ClientURL: "https://quell.example", DefaultSeverity: "warning",
	}
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	open, _, _ := paymentIncident()
	open.Severity = "sev-unknown"
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(open)))
	got := pd.Accepted()
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Body, `"summary":"payment down, 2 services, open 10m0s"`)
	assert.Contains(t, got[0].Body, `"source":"shop-prod"`)
	assert.Contains(t, got[0].Body, `"severity":"warning"`)
	assert.Contains(t, got[0].Body, `"client":"Quell prod","client_url":"https://quell.example"`)
}

func TestSlackRequests(t *testing.T) {
	sl := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusOK, body: "ok"} })
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "slack"
	cfg.Slack.WebhookURL = slackURL(sl)
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	open, updated, resolved := paymentIncident()
	open.Body = "payment 5xx <above> 5% & rising" // Slack's reserved characters
	for _, c := range []change{open, updated, resolved} {
		require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(c)))
	}
	got := sl.Accepted()
	require.Len(t, got, 3)
	assert.Equal(t, "/services/T000/B000/XXXXSECRET", got[0].Path)
	assert.JSONEq(t, `{"text": ":rotating_light: *Incident open: payment*\nProbable cause: PaymentErrors - payment 5xx &lt;above&gt; 5% &amp; rising\nAlerts: 2 (1 suppressed) | Services: checkout, payment | Open for 10m0s\nIncident inc-7f3a"}`, got[0].Body)
	assert.JSONEq(t, `{"text": ":rotating_light: *Incident updated: payment*\nProbable cause: PaymentErrors - payment 5xx above 5%\nAlerts: 3 (2 suppressed) | Services: cart, checkout, payment | Open for 10m0s\nIncident inc-7f3a"}`, got[1].Body)
	assert.JSONEq(t, `{"text": ":white_check_mark: *Incident resolved: payment*\nProbable cause: PaymentErrors - payment 5xx above 5%\nAlerts: 3 (2 suppressed) | Services: cart, checkout, payment | Was open for 5m0s\nIncident inc-7f3a"}`, got[2].Body)
}

func slackURL(f *fakeDest) configopaque.String {
	return configopaque.String(f.srv.URL + "/services/T000/B000/XXXXSECRET")
}

func TestSlackTemplateFallsBackOnError(t *testing.T) {
	sl := newFakeDest(t, nil)
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "slack"
	cfg.Slack.WebhookURL = slackURL(sl)
	// index on a missing label fails at run time for this incident.
	cfg.Slack.MessageTemplate = `{{index .Services 5}}`
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	open, _, _ := paymentIncident()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(open)))
	got := sl.Accepted()
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Body, "*Incident open: payment*", "default template used")
}

func TestWebhookRequests(t *testing.T) {
	wh := newFakeDest(t, func(int, recorded) reply { return reply{status: http.StatusNoContent} })
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "webhook"
	cfg.ClientConfig.Endpoint = wh.srv.URL + "/hooks/incidents?team=shop"
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	open, _, resolved := paymentIncident()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(open, resolved)))
	got := wh.Accepted()
	require.Len(t, got, 2)
	assert.Equal(t, "/hooks/incidents?team=shop", got[0].Path)
	attrs := func(state, services string, alerts, suppressed int, last string) string {
		return `{
			"incident.id": "inc-7f3a", "incident.state": "` + state + `", "incident.root_service": "payment",
			"incident.root_alert": "PaymentErrors", "incident.services": ` + services + `,
			"incident.alert_count": ` + itoa(alerts) + `, "incident.suppressed_count": ` + itoa(suppressed) + `,
			"incident.first_seen": "2026-11-22T01:00:00Z", "incident.last_seen": "` + last + `",
			"alert.severity": "critical", "alert.generator_url": "http://prometheus:9090/graph?g0.expr=x",
			"alert.label.alertname": "PaymentErrors", "alert.label.service": "payment", "alert.label.severity": "critical",
			"alert.annotation.summary": "payment 5xx above 5%", "alert.annotation.runbook_url": "https://runbooks.example/payment"
		}`
	}
	assert.JSONEq(t, `{
		"incident_id": "inc-7f3a", "state": "open", "root_service": "payment", "root_alert": "PaymentErrors",
		"services": ["checkout","payment"], "alert_count": 2, "suppressed_count": 1,
		"first_seen": "2026-11-22T01:00:00Z", "last_seen": "2026-11-22T01:00:30Z", "severity": "critical",
		"summary": "[open] payment: PaymentErrors (2 alerts, 1 suppressed)",
		"attributes": `+attrs("open", `["checkout","payment"]`, 2, 1, "2026-11-22T01:00:30Z")+`,
		"resource": {"service.name": "payment", "service.namespace": "shop"}
	}`, got[0].Body)
	assert.JSONEq(t, `{
		"incident_id": "inc-7f3a", "state": "resolved", "root_service": "payment", "root_alert": "PaymentErrors",
		"services": ["cart","checkout","payment"], "alert_count": 3, "suppressed_count": 2,
		"first_seen": "2026-11-22T01:00:00Z", "last_seen": "2026-11-22T01:05:00Z", "severity": "critical",
		"summary": "[resolved] payment: PaymentErrors (3 alerts, 2 suppressed)",
		"attributes": `+attrs("resolved", `["cart","checkout","payment"]`, 3, 2, "2026-11-22T01:05:00Z")+`,
		"resource": {"service.name": "payment", "service.namespace": "shop"}
	}`, got[1].Body)
}

// TestAlertRecordsAndSkipped: plain alert records (from alert_webhook) are
// incidents of one alert; records with neither convention are skipped.
func TestAlertRecordsAndSkipped(t *testing.T) {
	wh := newFakeDest(t, nil)
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "webhook"
	cfg.ClientConfig.Endpoint = wh.srv.URL
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	a := recs.AppendEmpty()
	a.Attributes().PutStr("alert.fingerprint", "7d2d332feada5c59")
	a.Attributes().PutStr("alert.rule.name", "HighErrorRate")
	a.Attributes().PutStr("alert.state", "resolved")
	a.Attributes().PutStr("alert.starts_at", "2026-11-22T01:00:00Z")
	a.Attributes().PutStr("alert.ends_at", "2026-11-22T01:04:00Z")
	recs.AppendEmpty().Body().SetStr("an ordinary log line")
	// A raw alert alert_correlator passed on, marked with its incident.
	member := recs.AppendEmpty()
	member.Attributes().PutStr("alert.fingerprint", "0123456789abcdef")
	member.Attributes().PutStr("alert.state", "firing")
	member.Attributes().PutStr("incident.id", "inc-7f3a")
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))

	got := wh.Accepted()
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Body, `"incident_id":"7d2d332feada5c59"`)
	assert.Contains(t, got[0].Body, `"state":"resolved"`)
	assert.Contains(t, got[0].Body, `"root_service":"checkout"`)
	assert.Contains(t, got[0].Body, `"first_seen":"2026-11-22T01:00:00Z"`)
	assert.Contains(t, got[0].Body, `"last_seen":"2026-11-22T01:04:00Z"`)
	metadatatest.AssertEqualExporterIncidentRecordsSkipped(t, exp.tel, []metricdata.DataPoint[int64]{{Value: 2}},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestPlainAlertsSkip(t *testing.T) {
	wh := newFakeDest(t, nil)
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "webhook"
	cfg.ClientConfig.Endpoint = wh.srv.URL
	cfg.PlainAlerts = "skip"
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	open, _, _ := paymentIncident()
	ld := logsOf(open)
	plain := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty()
	plain.Attributes().PutStr("alert.fingerprint", "7d2d332feada5c59")
	plain.Attributes().PutStr("alert.state", "firing")
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	require.Len(t, wh.Accepted(), 1)
	assert.Contains(t, wh.Accepted()[0].Body, `"incident_id":"inc-7f3a"`)
	metadatatest.AssertEqualExporterIncidentRecordsSkipped(t, exp.tel, []metricdata.DataPoint[int64]{{Value: 1}},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// TestMemberAlerts: raw alerts alert_correlator passes on after their
// incident's record are listed in the notification, and forgotten once the
// resolve is delivered.
func TestMemberAlerts(t *testing.T) {
	pd := newFakeDest(t, nil)
	cfg := createDefaultConfig().(*Config)
	cfg.Destination = "pagerduty"
	cfg.ClientConfig.Endpoint = pd.srv.URL
	cfg.PagerDuty.RoutingKey = routingKey
	exp := newTestExporter(t, cfg, false, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	open, _, resolved := paymentIncident()
	ld := logsOf(open)
	addMember := func(svc, fp, rule string, suppressed bool) {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", svc)
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.Attributes().PutStr("alert.fingerprint", fp)
		lr.Attributes().PutStr("alert.rule.name", rule)
		lr.Attributes().PutStr("alert.state", "firing")
		lr.Attributes().PutStr("alert.severity", "warning")
		lr.Attributes().PutStr("incident.id", "inc-7f3a")
		lr.Attributes().PutBool(alertconv.AttrSuppressed, suppressed)
	}
	addMember("payment", "00000000000000a1", "PaymentErrors", false)
	addMember("checkout", "00000000000000b2", "CheckoutLatency", true)
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	require.Len(t, pd.Accepted(), 1)
	var ev struct {
		Payload struct {
			CustomDetails struct {
				Members []member `json:"member_alerts"`
			} `json:"custom_details"`
		} `json:"payload"`
	}
	require.NoError(t, json.Unmarshal([]byte(pd.Accepted()[0].Body), &ev))
	assert.Equal(t, []member{
		{Fingerprint: "00000000000000a1", Rule: "PaymentErrors", Service: "payment", State: "firing", Severity: "warning"},
		{Fingerprint: "00000000000000b2", Rule: "CheckoutLatency", Service: "checkout", State: "firing", Severity: "warning", Suppressed: true},
	}, ev.Payload.CustomDetails.Members)

	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(resolved)))
	assert.Empty(t, exp.inner.members.get("inc-7f3a"), "forgotten after the resolve")
}

func TestMemberBookBounded(t *testing.T) {
	b := newMemberBook()
	for i := range maxMembersPerIncident + 10 {
		b.add("a", member{Fingerprint: itoaN(i)})
	}
	assert.Len(t, b.get("a"), maxMembersPerIncident)
	b.add("a", member{Fingerprint: "0", Suppressed: true})
	assert.True(t, b.get("a")[0].Suppressed, "updated in place")
	for i := range maxTrackedIncidents {
		b.add("inc-"+itoaN(i), member{Fingerprint: "f"})
	}
	assert.Empty(t, b.get("a"), "oldest incident forgotten")
	assert.Len(t, b.by, maxTrackedIncidents)
}
