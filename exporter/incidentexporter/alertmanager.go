package incidentexporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/exporter/incidentexporter/internal/metadata"
	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/ticker"
)

const (
	// defaultResendInterval stays well below Alertmanager's default
	// resolve_timeout (5m).
	defaultResendInterval = time.Minute
	// defaultMaxOpenIncidents bounds the re-send set.
	defaultMaxOpenIncidents = 10000
	// alertsPath is Alertmanager's API v2 alerts endpoint.
	alertsPath = "/api/v2/alerts"
	// openStorageName and openKey name where the open set is kept when the
	// sending queue has a storage extension.
	openStorageName = "alertmanager_open"
	openKey         = "open"
)

// alertmanager posts one alert per incident to Alertmanager's API v2: the
// root alert's labels plus incident_id, re-sent while open so Alertmanager
// does not resolve it after resolve_timeout, and endsAt on resolve.
type alertmanager struct {
	url       string
	poster    *poster
	summary   *renderer
	interval  time.Duration
	max       int
	now       func() time.Time
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	// mu serializes every post and the open set, so a periodic re-send can
	// never land after (and so undo) the resolve of the same incident.
	mu    sync.Mutex
	open  map[string]amAlert // last alert sent per open incident ID
	store storage.Client     // keeps open across restarts; nil: memory only

	resendLoop *ticker.Loop // nil: no periodic re-send
	failing    bool         // the last re-send failed (resendLoop's goroutine only)
}

type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     string            `json:"startsAt,omitempty"`
	EndsAt       string            `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

func newAlertmanager(cfg *Config, p *poster, now func() time.Time) (*alertmanager, error) {
	summary, err := newRenderer("alertmanager.summary_template", cfg.Alertmanager.SummaryTemplate, defaultSummaryTemplate, now)
	if err != nil {
		return nil, err
	}
	maxOpen := cfg.Alertmanager.MaxOpenIncidents
	if maxOpen == 0 {
		maxOpen = defaultMaxOpenIncidents
	}
	u := strings.TrimSuffix(cfg.ClientConfig.Endpoint, "/")
	if !strings.HasSuffix(u, alertsPath) {
		u += alertsPath
	}
	return &alertmanager{
		url: u, poster: p, summary: summary, interval: cfg.Alertmanager.ResendInterval,
		max: maxOpen, now: now, logger: zap.NewNop(), open: make(map[string]amAlert),
	}, nil
}

func (d *alertmanager) send(ctx context.Context, inc incident) error {
	a := d.alert(inc)
	d.mu.Lock()
	defer d.mu.Unlock()
	batch := []amAlert{a}
	prev, had := d.open[inc.ID]
	if had && !maps.Equal(prev.Labels, a.Labels) {
		// The root alert changed: end the alert for the old root, or it
		// would linger until resolve_timeout.
		prev.EndsAt = rfc3339(d.now())
		batch = []amAlert{prev, a}
	}
	if err := d.poster.post(ctx, d.url, batch); err != nil {
		return err
	}
	switch {
	case inc.resolved():
		delete(d.open, inc.ID)
	case had || len(d.open) < d.max:
		d.open[inc.ID] = a
	default:
		delete(d.open, inc.ID)
		if d.telemetry != nil {
			d.telemetry.ExporterIncidentAlertmanagerUntracked.Add(ctx, 1)
		}
	}
	d.saveLocked(ctx)
	return nil
}

// saveLocked writes the open set to storage. A failure only costs re-sends
// after a restart, so it is logged, not returned (the alert was delivered).
func (d *alertmanager) saveLocked(ctx context.Context) {
	if d.store == nil {
		return
	}
	b, err := json.Marshal(d.open)
	if err == nil {
		err = d.store.Set(ctx, openKey, b)
	}
	if err != nil {
		d.logger.Warn("saving open incidents for Alertmanager re-sends failed", zap.Error(err))
	}
}

// openStorage loads the open set kept by a previous run from the sending
// queue's storage extension, and keeps it there from now on.
func (d *alertmanager) openStorage(ctx context.Context, host component.Host, storageID component.ID, self component.ID) error {
	ext, ok := host.GetExtensions()[storageID]
	if !ok {
		return fmt.Errorf("sending_queue.storage: extension %q not found", storageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("sending_queue.storage: %q is not a storage extension", storageID)
	}
	client, err := se.GetClient(ctx, component.KindExporter, self, openStorageName)
	if err != nil {
		return fmt.Errorf("sending_queue.storage: %w", err)
	}
	b, err := client.Get(ctx, openKey)
	if err != nil {
		return errors.Join(fmt.Errorf("loading open incidents: %w", err), client.Close(ctx))
	}
	open := map[string]amAlert{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &open); err != nil {
			d.logger.Warn("stored open incidents unreadable; starting with none", zap.Error(err))
			open = map[string]amAlert{}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, a := range open {
		if len(d.open) >= d.max {
			break
		}
		d.open[id] = a
	}
	d.store = client
	return nil
}

func (d *alertmanager) alert(inc incident) amAlert {
	labels := make(map[string]string, len(inc.Labels)+2)
	maps.Copy(labels, inc.Labels)
	if len(labels) == 0 {
		labels["alertname"] = inc.RootAlert
		if labels["alertname"] == "" {
			labels["alertname"] = "QuellIncident"
		}
		if inc.RootService != "" {
			labels["service"] = inc.RootService
		}
	}
	labels[alertconv.LabelIncidentID] = inc.ID

	annotations := make(map[string]string, len(inc.Annotations)+7)
	maps.Copy(annotations, inc.Annotations)
	annotations["summary"] = d.summary.render(inc, maxRendered)
	annotations["incident_state"] = inc.State
	annotations["root_service"] = inc.RootService
	annotations["root_alert"] = inc.RootAlert
	annotations["services"] = strings.Join(inc.Services, ",")
	annotations["alert_count"] = strconv.FormatInt(inc.AlertCount, 10)
	annotations["suppressed_count"] = strconv.FormatInt(inc.SuppressedCount, 10)

	a := amAlert{Labels: labels, Annotations: annotations, StartsAt: rfc3339(inc.FirstSeen), GeneratorURL: inc.GeneratorURL}
	if inc.resolved() {
		end := d.now()
		if !inc.LastSeen.IsZero() && inc.LastSeen.Before(end) {
			end = inc.LastSeen
		}
		a.EndsAt = rfc3339(end)
	}
	return a
}

// start runs the periodic re-send of open incidents.
func (d *alertmanager) start(logger *zap.Logger, tb *metadata.TelemetryBuilder) {
	d.logger, d.telemetry = logger, tb
	if d.interval > 0 {
		d.resendLoop = ticker.Start(d.interval, d.resendTick)
	}
}

func (d *alertmanager) shutdown(ctx context.Context) error {
	d.resendLoop.Stop()
	d.resendLoop = nil
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.store == nil {
		return nil
	}
	err := d.store.Close(ctx)
	d.store = nil
	return err
}

// resendTick re-sends the open incidents once, within one interval; a
// failure is logged at warn level once, then at debug level until a
// re-send succeeds.
func (d *alertmanager) resendTick() {
	ctx, cancel := context.WithTimeout(context.Background(), d.interval)
	n, err := d.resend(ctx)
	cancel()
	switch {
	case err != nil:
		d.telemetry.ExporterIncidentAlertmanagerResendFailures.Add(context.Background(), 1)
		level := zap.DebugLevel
		if !d.failing {
			level = zap.WarnLevel
		}
		d.logger.Log(level, "re-sending open incidents to Alertmanager failed; retrying at the next interval",
			zap.Error(err), zap.Int("open_incidents", n))
		d.failing = true
	case n > 0:
		d.telemetry.ExporterIncidentAlertmanagerResends.Add(context.Background(), int64(n))
		d.failing = false
	}
}

// resend posts every open incident's alert again, in incident ID order.
func (d *alertmanager) resend(ctx context.Context) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.open) == 0 {
		return 0, nil
	}
	batch := make([]amAlert, 0, len(d.open))
	for _, id := range slices.Sorted(maps.Keys(d.open)) {
		batch = append(batch, d.open[id])
	}
	return len(batch), d.poster.post(ctx, d.url, batch)
}
