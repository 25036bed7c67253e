package alertwebhookreceiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadata"
)

// Reasons a request is rejected with a 4xx (attribute reason on
// receiver_alert_webhook_requests_rejected).
const (
	reasonMethod      = "method"
	reasonContentType = "content_type"
	reasonTooLarge    = "too_large"
	reasonTimeout     = "timeout"
	reasonMalformed   = "malformed_json"
	reasonInvalid     = "invalid_payload"
)

type alertReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Logs
	obsrecv   *receiverhelper.ObsReport
	telemetry *metadata.TelemetryBuilder
	reasons   map[string]metric.MeasurementOption
	// services maps labels to service.name (resource_labels.service_name
	// and .workload).
	services *alertconv.ServiceMapping

	mu       sync.Mutex
	server   *http.Server
	addr     net.Addr
	serveWG  sync.WaitGroup
	shutdown bool

	now func() time.Time
}

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*alertReceiver, error) {
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, fmt.Errorf("error creating alert_webhook receiver obsreport: %w", err)
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("error creating alert_webhook receiver telemetry: %w", err)
	}
	reasons := make(map[string]metric.MeasurementOption)
	for _, r := range []string{reasonMethod, reasonContentType, reasonTooLarge, reasonTimeout, reasonMalformed, reasonInvalid} {
		reasons[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))
	}
	services, err := cfg.ResourceLabels.serviceMapping()
	if err != nil {
		return nil, err
	}
	return &alertReceiver{
		services:  services,
		cfg:       cfg,
		settings:  set,
		next:      next,
		obsrecv:   obsrecv,
		telemetry: tb,
		reasons:   reasons,
		now:       time.Now,
	}, nil
}

// Start listens and serves the webhook paths in the background.
func (r *alertReceiver) Start(ctx context.Context, host component.Host) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shutdown {
		return errors.New("alert_webhook receiver already shut down")
	}
	ln, err := r.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("alert_webhook: listen on %s: %w", r.cfg.ServerConfig.NetAddr.Endpoint, err)
	}
	srv, err := r.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), r.settings.TelemetrySettings, r)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("alert_webhook: %w", err)
	}
	r.server, r.addr = srv, ln.Addr()
	r.serveWG.Add(1)
	go func() {
		defer r.serveWG.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	r.settings.Logger.Info("alert_webhook receiver listening",
		zap.String("address", ln.Addr().String()),
		zap.String("alertmanager_path", r.cfg.AlertmanagerPath),
		zap.String("grafana_path", r.cfg.GrafanaPath))
	return nil
}

// Shutdown stops accepting requests and waits for those in flight; safe
// without Start and when called twice.
func (r *alertReceiver) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shutdown {
		return nil
	}
	r.shutdown = true
	var err error
	if r.server != nil {
		err = r.server.Shutdown(ctx)
		r.serveWG.Wait()
	}
	r.telemetry.Shutdown()
	return err
}

// ServeHTTP routes the configured paths; everything else is a 404.
func (r *alertReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case r.cfg.AlertmanagerPath != "" && req.URL.Path == r.cfg.AlertmanagerPath:
		r.handle(w, req, alertconv.SourceAlertmanager)
	case r.cfg.GrafanaPath != "" && req.URL.Path == r.cfg.GrafanaPath:
		r.handle(w, req, alertconv.SourceGrafana)
	default:
		http.Error(w, fmt.Sprintf("no webhook at %q (alertmanager_path %q, grafana_path %q)",
			req.URL.Path, r.cfg.AlertmanagerPath, r.cfg.GrafanaPath), http.StatusNotFound)
	}
}

// handle ingests one webhook: it is read, parsed and validated in full
// before one ConsumeLogs call, so a request is taken whole or not at all.
func (r *alertReceiver) handle(w http.ResponseWriter, req *http.Request, source string) {
	ctx := req.Context()
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		r.reject(ctx, w, http.StatusMethodNotAllowed, reasonMethod, fmt.Sprintf("method %s not allowed: webhooks are POSTed", req.Method))
		return
	}
	if ct := req.Header.Get("Content-Type"); !isJSON(ct) {
		r.reject(ctx, w, http.StatusUnsupportedMediaType, reasonContentType, fmt.Sprintf("content type %q not supported: send application/json", ct))
		return
	}
	body, ok := r.readBody(w, req)
	if !ok {
		return
	}
	msg, err := decodeMessage(body, source, r.cfg.Limits)
	if err != nil {
		reason := reasonInvalid
		if errors.Is(err, errMalformed) {
			reason = reasonMalformed
		}
		r.reject(ctx, w, http.StatusBadRequest, reason, err.Error())
		return
	}
	if msg.TruncatedAlerts > 0 {
		r.telemetry.ReceiverAlertWebhookAlertsTruncated.Add(ctx, int64(msg.TruncatedAlerts))
		r.settings.Logger.Debug("sender truncated its webhook; raise the webhook's max_alerts to receive every alert",
			zap.Uint64("truncated_alerts", msg.TruncatedAlerts), zap.String("group_key", msg.GroupKey))
	}
	if msg.TruncatedValues > 0 {
		r.telemetry.ReceiverAlertWebhookValuesTruncated.Add(ctx, int64(msg.TruncatedValues))
	}
	conv := r.toLogs(msg, source, r.now())
	if conv.ignored > 0 {
		r.telemetry.ReceiverAlertWebhookAlertsIgnored.Add(ctx, int64(conv.ignored))
	}
	n := conv.logs.LogRecordCount()
	if n == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	ctx = r.obsrecv.StartLogsOp(ctx)
	err = r.next.ConsumeLogs(ctx, conv.logs)
	r.obsrecv.EndLogsOp(ctx, source, n, err)
	switch {
	case err == nil:
		w.WriteHeader(http.StatusOK)
	case consumererror.IsPermanent(err):
		// The pipeline will never take these alerts; a retry cannot help.
		http.Error(w, "alerts rejected by the pipeline: "+err.Error(), http.StatusBadRequest)
	default:
		// Back-pressure (memory limiter, full queue): the sender retries.
		http.Error(w, "pipeline busy, retry later: "+err.Error(), http.StatusServiceUnavailable)
	}
}

// readBody reads the whole body, answering the request itself when that
// fails: 413 over max_request_body_size, 408 when the client is too slow
// for read_timeout (a slowloris), 400 otherwise.
func (r *alertReceiver) readBody(w http.ResponseWriter, req *http.Request) ([]byte, bool) {
	ctx := req.Context()
	body, err := io.ReadAll(req.Body)
	if err == nil {
		return body, true
	}
	var tooLarge *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &tooLarge):
		r.reject(ctx, w, http.StatusRequestEntityTooLarge, reasonTooLarge, fmt.Sprintf("request body larger than max_request_body_size (%d bytes)", tooLarge.Limit))
	case errors.As(err, &netErr) && netErr.Timeout():
		w.Header().Set("Connection", "close")
		r.reject(ctx, w, http.StatusRequestTimeout, reasonTimeout, fmt.Sprintf("request body not received within read_timeout (%s)", r.cfg.ServerConfig.ReadTimeout))
	default:
		r.reject(ctx, w, http.StatusBadRequest, reasonMalformed, "reading request body: "+err.Error())
	}
	return nil, false
}

func (r *alertReceiver) reject(ctx context.Context, w http.ResponseWriter, status int, reason, msg string) {
	r.telemetry.ReceiverAlertWebhookRequestsRejected.Add(ctx, 1, r.reasons[reason])
	http.Error(w, msg, status)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
