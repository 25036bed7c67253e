package incidentexporter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/exporter/incidentexporter/internal/metadata"
)

type incidentExporter struct {
	cfg       *Config
	settings  exporter.Settings
	telemetry *metadata.TelemetryBuilder
	byState   map[string]metric.MeasurementOption
	now       func() time.Time

	dest    destination
	poster  *poster
	order   *orderGuard
	members *memberBook
}

func newExporter(cfg *Config, set exporter.Settings) (*incidentExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("error creating incident exporter telemetry: %w", err)
	}
	byState := make(map[string]metric.MeasurementOption)
	for _, s := range []string{"open", "updated", "resolved"} {
		byState[s] = metric.WithAttributeSet(attribute.NewSet(attribute.String("incident.state", s)))
	}
	e := &incidentExporter{cfg: cfg, settings: set, telemetry: tb, byState: byState, now: time.Now, order: newOrderGuard(), members: newMemberBook()}
	redact := newRedactor(cfg)
	e.settings.Logger = redactingLogger(set.Logger, redact)
	e.poster = &poster{name: cfg.Destination, redact: redact}
	if e.dest, err = newDestination(cfg, e.poster, func() time.Time { return e.now() }); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *incidentExporter) start(ctx context.Context, host component.Host) error {
	tel := e.settings.TelemetrySettings
	tel.TracerProvider = &redactingTracerProvider{tp: tel.TracerProvider, r: e.poster.redact}
	client, err := e.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), tel)
	if err != nil {
		return fmt.Errorf("incident exporter: http client: %w", err)
	}
	e.poster.useClient(client)
	if am, ok := e.dest.(*alertmanager); ok {
		am.logger = e.settings.Logger
		if e.cfg.QueueConfig.HasValue() && e.cfg.QueueConfig.Get().StorageID != nil {
			if err := am.openStorage(ctx, host, *e.cfg.QueueConfig.Get().StorageID, e.settings.ID); err != nil {
				return fmt.Errorf("incident exporter: %w", err)
			}
		}
		am.start(e.settings.Logger, e.telemetry)
	}
	return nil
}

func (e *incidentExporter) shutdown(ctx context.Context) error {
	var err error
	if am, ok := e.dest.(*alertmanager); ok {
		err = am.shutdown(ctx)
	}
	e.telemetry.Shutdown()
	return err
}

// pushLogs delivers every incident record in order, one request each. A
// permanent failure (4xx) drops that record and goes on with the next; a
// retryable one stops and hands back only the records not yet delivered,
// so a retry never re-sends what the destination already took.
func (e *incidentExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	e.collectMembers(ld)
	var permanent []error
	skipped := 0
	idx := 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				i := idx
				idx++
				inc, ok := parseIncident(rl.Resource(), lr)
				if !ok || (inc.Plain && e.cfg.PlainAlerts == plainAlertsSkip) {
					skipped++
					continue
				}
				err := e.deliver(ctx, inc)
				if err == nil {
					continue
				}
				if consumererror.IsPermanent(err) {
					if inner := errors.Unwrap(err); inner != nil {
						err = inner // re-wrapped as permanent below, once
					}
					permanent = append(permanent, fmt.Errorf("incident %s (%s): %w", inc.ID, inc.State, err))
					continue
				}
				e.countSkipped(ctx, skipped)
				if len(permanent) > 0 {
					// Reported here: joined into the retryable error they would
					// make the retry permanent.
					e.settings.Logger.Error("incident destination rejected incidents; dropping them",
						zap.Error(errors.Join(permanent...)))
				}
				return consumererror.NewLogs(err, recordsFrom(ld, i))
			}
		}
	}
	e.countSkipped(ctx, skipped)
	if len(permanent) > 0 {
		return consumererror.NewPermanent(errors.Join(permanent...))
	}
	return nil
}

// collectMembers remembers the member alerts of ld first: alert_correlator
// puts them after their incident's record in the same batch.
func (e *incidentExporter) collectMembers(ld plog.Logs) {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if id, m, ok := parseMember(rl.Resource(), lr); ok {
					e.members.add(id, m)
				}
			}
		}
	}
}

// deliver sends one state change of inc, with the members seen so far,
// unless it is older than one already delivered (dropped, counted). Nil:
// delivered or dropped as stale; else the destination's error.
func (e *incidentExporter) deliver(ctx context.Context, inc incident) error {
	inc.Members = e.members.get(inc.ID)
	if e.order.stale(inc) {
		e.telemetry.ExporterIncidentStaleDropped.Add(ctx, 1)
		return nil
	}
	if err := e.dest.send(ctx, inc); err != nil {
		return err
	}
	e.order.markDelivered(inc)
	if inc.resolved() {
		e.members.forget(inc.ID)
	}
	e.telemetry.ExporterIncidentNotifications.Add(ctx, 1, e.stateOption(inc.State))
	return nil
}

func (e *incidentExporter) stateOption(state string) metric.MeasurementOption {
	if o, ok := e.byState[state]; ok {
		return o
	}
	return metric.WithAttributeSet(attribute.NewSet(attribute.String("incident.state", state)))
}

func (e *incidentExporter) countSkipped(ctx context.Context, n int) {
	if n > 0 {
		e.telemetry.ExporterIncidentRecordsSkipped.Add(ctx, int64(n))
	}
}

// recordsFrom copies the records from flat index from on (in order, with
// their resource and scope) into new Logs.
func recordsFrom(ld plog.Logs, from int) plog.Logs {
	out := plog.NewLogs()
	idx := 0
	for _, rl := range ld.ResourceLogs().All() {
		var outRL plog.ResourceLogs
		haveRL := false
		for _, sl := range rl.ScopeLogs().All() {
			var outSL plog.ScopeLogs
			haveSL := false
			for _, lr := range sl.LogRecords().All() {
				if idx >= from {
					if !haveRL {
						outRL = out.ResourceLogs().AppendEmpty()
						rl.Resource().CopyTo(outRL.Resource())
						outRL.SetSchemaUrl(rl.SchemaUrl())
						haveRL = true
					}
					if !haveSL {
						outSL = outRL.ScopeLogs().AppendEmpty()
						sl.Scope().CopyTo(outSL.Scope())
						outSL.SetSchemaUrl(sl.SchemaUrl())
						haveSL = true
					}
					lr.CopyTo(outSL.LogRecords().AppendEmpty())
				}
				idx++
			}
		}
	}
	return out
}
