package alertwebhookreceiver

import (
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadata"
)

// conversion is the result of turning one webhook into log records.
type conversion struct {
	logs    plog.Logs
	ignored int
}

type resourceKey struct{ service, namespace, environment string }

// toLogs turns every alert into one log record, grouping records by the
// resource their labels map to, in the order the alerts came.
func (r *alertReceiver) toLogs(msg *webhookMessage, source string, now time.Time) conversion {
	out := conversion{logs: plog.NewLogs()}
	scopes := make(map[resourceKey]plog.ScopeLogs)
	for _, a := range msg.Alerts {
		if r.ignored(a.Labels) {
			out.ignored++
			continue
		}
		al := r.alert(&a, source)
		key := resourceKey{service: al.Service, namespace: al.Namespace, environment: al.Environment}
		sl, ok := scopes[key]
		if !ok {
			rl := out.logs.ResourceLogs().AppendEmpty()
			al.WriteResource(rl.Resource().Attributes())
			sl = rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(metadata.ScopeName)
			scopes[key] = sl
		}
		al.Write(sl.LogRecords().AppendEmpty(), now)
	}
	return out
}

func (r *alertReceiver) ignored(labels map[string]string) bool {
	for _, l := range r.cfg.IgnoreLabels {
		if _, ok := labels[l]; ok {
			return true
		}
	}
	return false
}

// alert is a webhook alert in the convention (alertconv.Alert writes it).
func (r *alertReceiver) alert(a *webhookAlert, source string) alertconv.Alert {
	al := alertconv.Alert{
		Fingerprint:  a.Fingerprint,
		RuleName:     a.Labels["alertname"],
		State:        a.Status,
		Labels:       a.Labels,
		Annotations:  a.Annotations,
		Source:       source,
		GeneratorURL: a.GeneratorURL,
		Summary:      body(a),
		Service:      r.services.Service(a.Labels),
		Namespace:    alertconv.FirstLabel(a.Labels, r.cfg.ResourceLabels.ServiceNamespace),
		Environment:  alertconv.FirstLabel(a.Labels, r.cfg.ResourceLabels.Environment),
	}
	if r.cfg.SeverityLabel != "" {
		al.Severity = a.Labels[r.cfg.SeverityLabel]
	}
	// A firing alert's endsAt is when it expires unless re-sent, or zero;
	// only status says whether it has ended.
	if isSet(a.StartsAt) {
		al.StartsAt = a.StartsAt
	}
	if isSet(a.EndsAt) {
		al.EndsAt = a.EndsAt
	}
	return al
}

// body is the alert's human summary: the usual annotations, else its name.
func body(a *webhookAlert) string {
	for _, k := range []string{"summary", "description", "message"} {
		if v := a.Annotations[k]; v != "" {
			return v
		}
	}
	return a.Labels["alertname"]
}

// isSet reports whether t is a real time: Alertmanager and Grafana send
// 0001-01-01T00:00:00Z for "none".
func isSet(t time.Time) bool { return !t.IsZero() && t.Year() > 1 }
