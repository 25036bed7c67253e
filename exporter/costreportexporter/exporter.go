package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/quell-otel/quell/exporter/costreportexporter/internal/metadata"
)

var errNotStarted = errors.New("cost_report exporter is not started")

// meterExporter is one signal of one cost_report instance. It only meters:
// it neither changes nor forwards data.
type meterExporter struct {
	reg   *registry
	set   exporter.Settings
	cfg   *Config
	stage Stage
	sig   signal
	keyer keyer
	tb    *metadata.TelemetryBuilder
	attrs metric.MeasurementOption

	mu      sync.RWMutex
	shared  *sharedLedger
	pool    sync.Pool
	tallies tallyPool
}

func newMeterExporter(reg *registry, set exporter.Settings, cfg *Config, sig signal, tb *metadata.TelemetryBuilder) *meterExporter {
	m := &meterExporter{
		reg:     reg,
		set:     set,
		cfg:     cfg,
		stage:   cfg.stage(),
		sig:     sig,
		keyer:   keyer{keys: cfg.Keys},
		tb:      tb,
		tallies: newTallyPool(),
		attrs: metric.WithAttributeSet(attribute.NewSet(
			attribute.String("stage", string(cfg.stage())),
			attribute.String("signal", sig.String()),
		)),
	}
	m.pool.New = func() any { s := make([]meterEntry, 0, 16); return &s }
	return m
}

func (m *meterExporter) start(ctx context.Context, host component.Host) error {
	sl, err := m.reg.acquire(ctx, host, m.set, m.cfg, m.tb)
	if err != nil {
		return err
	}
	if m.stage == StageExported {
		sl.ledger.markExported(m.sig)
	}
	if err := m.tb.RegisterCostReportLedgerKeysCallback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(int64(sl.ledger.keysAt(sl.clock())))
		return nil
	}); err != nil {
		return errors.Join(err, m.reg.release(ctx, sl))
	}
	m.mu.Lock()
	m.shared = sl
	m.mu.Unlock()
	return nil
}

func (m *meterExporter) shutdown(ctx context.Context) error {
	m.mu.Lock()
	sl := m.shared
	m.shared = nil
	m.mu.Unlock()
	var err error
	if sl != nil {
		err = m.reg.release(ctx, sl)
	}
	m.tb.Shutdown()
	return err
}

func (m *meterExporter) meter(ctx context.Context, fill func([]meterEntry) []meterEntry) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.shared == nil {
		return errNotStarted
	}
	m.meterLocked(ctx, fill)
	return nil
}

// meterLocked meters what fill reads of a batch; m.mu is read-locked and
// m.shared set.
func (m *meterExporter) meterLocked(ctx context.Context, fill func([]meterEntry) []meterEntry) {
	buf := m.pool.Get().(*[]meterEntry)
	entries := compact(fill((*buf)[:0]))
	overflow := m.shared.ledger.add(m.stage, m.shared.clock(), entries)
	var records, bytes int64
	for i := range entries {
		records += entries[i].vol.Records
		bytes += entries[i].vol.Bytes
	}
	clear(entries) // drop references to the batch's strings
	*buf = entries[:0]
	m.pool.Put(buf)
	m.tb.CostReportRecordsMetered.Add(ctx, records, m.attrs)
	m.tb.CostReportBytesMetered.Add(ctx, bytes, m.attrs)
	if overflow > 0 {
		m.tb.CostReportKeyOverflow.Add(ctx, overflow, m.attrs)
	}
}

func (m *meterExporter) consumeTraces(ctx context.Context, td ptrace.Traces) error {
	return m.meter(ctx, func(out []meterEntry) []meterEntry { return m.keyer.traces(td, out) })
}

// consumeLogs meters ld and, where the pattern table prices this stage,
// tallies its annotated records in the same walk (each record sized once).
func (m *meterExporter) consumeLogs(ctx context.Context, ld plog.Logs) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.shared == nil {
		return errNotStarted
	}
	if !m.metersPatterns() {
		m.meterLocked(ctx, func(out []meterEntry) []meterEntry { return m.keyer.logs(ld, out) })
		return nil
	}
	t := m.tallies.get()
	t.stripTemplates = m.stage == StageExported && m.cfg.Patterns.TemplateAttributes == templateAttributesRemoved
	m.meterLocked(ctx, func(out []meterEntry) []meterEntry { return m.keyer.logsWithPatterns(ld, out, t) })
	if len(t.recs) > 0 || t.unannotated > 0 {
		m.shared.patterns.add(m.stage, m.shared.clock(), t)
	}
	m.tallies.put(t)
	return nil
}

// metersPatterns says whether this instance adds to the pattern table,
// which prices the billed stage only.
func (m *meterExporter) metersPatterns() bool {
	return m.shared.patterns != nil && (m.stage != StageIngested || !m.shared.ledger.billedOnExported(signalLogs))
}

func (m *meterExporter) consumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	return m.meter(ctx, func(out []meterEntry) []meterEntry { return m.keyer.metrics(md, out) })
}
