package topologyconnector // import "github.com/quell-otel/quell/connector/topologyconnector"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/connector/topologyconnector/internal/metadata"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/summaryconv"
	"github.com/quell-otel/quell/internal/ticker"
	"github.com/quell-otel/quell/internal/topology"
)

// summaryConnector learns from spans and sends summaries. The graph and the
// summarizer lock themselves; mu guards the learner (not safe for
// concurrent use) and since, and is taken before either of their locks.
type summaryConnector struct {
	cfg    *Config
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	next   consumer.Metrics
	now    func() time.Time

	graph      *topology.Graph
	summarizer *evidence.Summarizer
	batches    evidence.BatchPool

	mu      sync.Mutex
	learner *topology.Learner
	since   time.Time // start of the summary being counted

	// emitMu orders the sends of the ticker and of Shutdown.
	emitMu sync.Mutex
	loop   *ticker.Loop
}

var _ connector.Traces = (*summaryConnector)(nil)

func newConnector(set connector.Settings, cfg *Config, next consumer.Metrics, now func() time.Time) (*summaryConnector, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	g := topology.New(topology.Config{TTL: cfg.EdgeTTL, MaxEdges: cfg.MaxEdges})
	return &summaryConnector{
		cfg: cfg, logger: set.Logger, tb: tb, next: next, now: now,
		graph: g,
		summarizer: evidence.NewSummarizer(evidence.SummarizerConfig{
			MaxServices: cfg.MaxServices, MaxEdges: cfg.MaxEdges, MaxExemplars: cfg.MaxExemplars,
		}),
		learner: topology.NewLearner(g, topology.LearnerConfig{MaxPending: cfg.MaxPendingSpans, PendingTTL: cfg.PendingTTL}),
		since:   now(),
	}, nil
}

func (c *summaryConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start begins the summaries.
func (c *summaryConnector) Start(context.Context, component.Host) error {
	c.loop = ticker.Start(c.cfg.Interval, func() { _, _ = c.emit(context.Background()) })
	return nil
}

// Shutdown stops the ticker and sends what was counted since the last
// summary. Idempotent.
func (c *summaryConnector) Shutdown(ctx context.Context) error {
	c.loop.Stop()
	if s, err := c.emit(ctx); err != nil {
		// The correlating collector misses this interval's counts: say
		// which, loudly (the periodic sends only warn: the next one
		// carries on).
		c.logger.Error("shutdown: the last topology summary was not delivered",
			zap.Int("graph_edges", len(s.Edges)),
			zap.Int("evidence_services", len(s.Evidence.Services)),
			zap.Int("evidence_edges", len(s.Evidence.Edges)),
			zap.Error(err))
	}
	c.tb.Shutdown()
	return nil
}

// ConsumeTraces learns from the spans; nothing is forwarded.
func (c *summaryConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	now := c.now()
	// One walk over the spans: the learner's fills the summarizer's batch
	// (under mu), which the summarizer counts after, under its own lock.
	batch := c.batches.Get()
	c.mu.Lock()
	ls := c.learner.ObserveWith(td, now, batch)
	c.mu.Unlock()
	c.summarizer.ObserveBatch(batch)
	c.batches.Put(batch)
	c.tb.ConnectorTopologySummarySpans.Add(ctx, int64(ls.Spans))
	c.countLearn(ctx, ls)
	return nil
}

func (c *summaryConnector) countLearn(ctx context.Context, ls topology.LearnStats) {
	c.overflow(ctx, "pending_spans", uint64(ls.Overflow))
	c.overflow(ctx, "edges", uint64(ls.EdgeOverflow))
}

func (c *summaryConnector) overflow(ctx context.Context, m string, n uint64) {
	if n > 0 {
		c.tb.ConnectorTopologySummaryOverflow.Add(ctx, int64(n), metric.WithAttributes(attribute.String("map", m)))
	}
}

// take ends the summary being counted and returns it.
func (c *summaryConnector) take(ctx context.Context) summaryconv.Summary {
	now := c.now()
	c.mu.Lock()
	ls := c.learner.Expire(now)
	c.graph.Expire(now)
	s := summaryconv.Summary{Start: c.since, End: now, Edges: c.graph.Deltas()}
	var of evidence.Overflow
	s.Evidence, of = c.summarizer.Take()
	c.since = now
	c.mu.Unlock()
	c.countLearn(ctx, ls)
	c.overflow(ctx, "evidence_services", of.Services)
	c.overflow(ctx, "evidence_edges", of.Edges)
	c.overflow(ctx, "latency_usuals", of.Usuals)
	return s
}

// emit sends the summary since the previous one, unless it is empty.
func (c *summaryConnector) emit(ctx context.Context) (summaryconv.Summary, error) {
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	s := c.take(ctx)
	if s.Empty() {
		return s, nil
	}
	md := pmetric.NewMetrics()
	summaryconv.Append(md, s)
	if err := c.next.ConsumeMetrics(ctx, md); err != nil {
		c.tb.ConnectorTopologySummarySendFailures.Add(ctx, 1)
		c.logger.Warn("sending the topology summary", zap.Error(err))
		return s, err
	}
	c.tb.ConnectorTopologySummarySummaries.Add(ctx, 1)
	return s, nil
}
