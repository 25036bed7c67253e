// Package alertconvtest builds alert records in the convention, for tests
// and benchmarks that feed the alert components without a webhook.
package alertconvtest

import (
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
)

// AppendAlert appends a resource (service.name = labels["service"], when
// set) holding one alert record: every label as alert.label.*, the rule
// name from "alertname", severity from "severity", the Alertmanager
// fingerprint of the labels, the state and the source. It returns the
// record for further attributes.
func AppendAlert(rls plog.ResourceLogsSlice, labels map[string]string, state, source string) plog.LogRecord {
	rl := rls.AppendEmpty()
	service := labels["service"]
	if service != "" {
		rl.Resource().Attributes().PutStr(alertconv.ResourceServiceName, service)
	}
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	a := lr.Attributes()
	for k, v := range labels {
		a.PutStr(alertconv.AttrLabelPrefix+k, v)
	}
	rule := labels["alertname"]
	a.PutStr(alertconv.AttrRuleName, rule)
	a.PutStr(alertconv.AttrFingerprint, alertconv.Fingerprint(labels))
	a.PutStr(alertconv.AttrState, state)
	a.PutStr(alertconv.AttrSeverity, labels["severity"])
	a.PutStr(alertconv.AttrSource, source)
	lr.Body().SetStr(rule + " on " + service)
	return lr
}
