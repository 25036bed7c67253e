package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/quell-otel/quell/internal/alertconv"
)

const scopeName = "github.com/quell-otel/quell/connector/sloconnector"

// output is what one evaluation emits.
type output struct {
	alerts  plog.Logs
	metrics pmetric.Metrics
}

// evaluate computes every objective's burn rates at now: alert records for
// the alerts that started or stopped firing, and the SLI, budget and burn
// rate metrics (the counts as deltas since the last evaluation).
func (c *core) evaluate(ctx context.Context, now time.Time) output {
	out := output{alerts: plog.NewLogs(), metrics: pmetric.NewMetrics()}
	var transitions []transition
	c.mu.Lock()
	for _, o := range c.objectives {
		ratios, ts := o.evaluate(now, c.classes, c.windows)
		transitions = append(transitions, ts...)
		c.appendMetrics(out.metrics, o, now, ratios)
	}
	c.mu.Unlock()
	if !c.cfg.EmitAlerts {
		return out
	}
	for _, t := range transitions {
		c.appendAlert(out.alerts, t)
		c.tel.ConnectorSloAlerts.Add(ctx, 1, metric.WithAttributes(
			attribute.String("slo", t.obj.name), attribute.String("state", t.state())))
	}
	return out
}

func (t transition) state() string {
	if t.firing {
		return alertconv.StateFiring
	}
	return alertconv.StateResolved
}

// alertLabels are the labels of o's alert of class cl: they identify it
// (its fingerprint) and reach the correlator as alert.label.*.
func (c *core) alertLabels(o *objective, cl *alertClass) map[string]string {
	labels := make(map[string]string, len(o.labels)+5)
	for k, v := range o.labels {
		labels[k] = v
	}
	labels["alertname"] = c.cfg.AlertName
	labels["slo"] = o.name
	labels["service"] = o.service
	labels["severity"] = cl.severity
	labels["slo_tier"] = cl.name
	return labels
}

// appendAlert writes one transition as an alert record in the alert
// convention.
func (c *core) appendAlert(ld plog.Logs, t transition) {
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(alertconv.ResourceServiceName, t.obj.service)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(scopeName)
	lr := sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(t.at))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(t.at))
	labels := c.alertLabels(t.obj, t.class)
	a := lr.Attributes()
	a.PutStr(alertconv.AttrRuleName, c.cfg.AlertName)
	a.PutStr(alertconv.AttrFingerprint, alertconv.Fingerprint(labels))
	a.PutStr(alertconv.AttrState, t.state())
	a.PutStr(alertconv.AttrSeverity, t.class.severity)
	a.PutStr(alertconv.AttrSource, alertconv.SourceOTLP)
	a.PutStr(alertconv.AttrStartsAt, t.startsAt.UTC().Format(time.RFC3339))
	if !t.firing {
		a.PutStr(alertconv.AttrEndsAt, t.at.UTC().Format(time.RFC3339))
	}
	for k, v := range labels {
		a.PutStr(alertconv.AttrLabelPrefix+k, v)
	}
	summary := fmt.Sprintf("SLO %s of %s: error budget burning", t.obj.name, t.obj.service)
	if t.firing {
		summary += " at " + t.reason
		lr.SetSeverityNumber(plog.SeverityNumberError)
	} else {
		summary = fmt.Sprintf("SLO %s of %s: burn rate back under the %s tiers", t.obj.name, t.obj.service, t.class.name)
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
	}
	lr.SetSeverityText(t.class.severity)
	lr.Body().SetStr(summary)
	a.PutStr(alertconv.AttrAnnotationPrefix+"summary", summary)
	a.PutStr(alertconv.AttrAnnotationPrefix+"burn_rates", t.burnRates())
}

// burnRates lists the burn rate per window at the transition, "5m=20.1 1h=16".
func (t transition) burnRates() string {
	var b strings.Builder
	for _, w := range t.windows {
		r, ok := t.ratios[w]
		if !ok {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(formatWindow(w) + "=" + strconv.FormatFloat(r/t.obj.budget, 'g', 4, 64))
	}
	return b.String()
}

// formatTier describes a tier as "14.4x over 1h and 5m".
func formatTier(t TierConfig) string {
	return fmt.Sprintf("%gx over %s and %s", t.BurnRate, formatWindow(t.LongWindow), formatWindow(t.ShortWindow))
}

// formatWindow writes a window the way Prometheus range selectors do
// (5m, 1h, 3d).
func formatWindow(w time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case w%day == 0:
		return strconv.FormatInt(int64(w/day), 10) + "d"
	case w%time.Hour == 0:
		return strconv.FormatInt(int64(w/time.Hour), 10) + "h"
	case w%time.Minute == 0:
		return strconv.FormatInt(int64(w/time.Minute), 10) + "m"
	default:
		return w.String()
	}
}
