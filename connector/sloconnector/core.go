package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/connector/sloconnector/internal/metadata"
)

// core is the state one slo ID shares across its connector instances.
//
// Lock order: lifeMu, then mu. lifeMu guards the lifecycle (refs, started,
// stop, next consumers); mu guards the objectives' counting state and the
// storage client's use.
type core struct {
	cfg     *Config
	set     connector.Settings
	logger  *zap.Logger
	tel     *metadata.TelemetryBuilder
	now     func() time.Time
	release func()

	classes []alertClass
	windows []time.Duration

	mu         sync.Mutex
	objectives []*objective
	byService  map[string][]*objective
	byName     map[string]*objective
	client     storage.Client

	lifeMu      sync.Mutex
	refs        int
	started     bool
	nextLogs    consumer.Logs
	nextMetrics consumer.Metrics
	stop        chan struct{}
	done        chan struct{}
}

func newCore(set connector.Settings, cfg *Config, now func() time.Time, release func()) (*core, error) {
	tel, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	c := &core{
		cfg: cfg, set: set, logger: set.Logger, tel: tel, now: now, release: release,
		classes:   alertClasses(cfg.Tiers),
		windows:   tierWindows(cfg.Tiers),
		byService: map[string][]*objective{},
		byName:    map[string]*objective{},
	}
	parser, err := newSpanParser(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	for _, oc := range cfg.Objectives {
		o, err := newObjective(oc, cfg, parser)
		if err != nil {
			return nil, err
		}
		c.objectives = append(c.objectives, o)
		c.byService[o.service] = append(c.byService[o.service], o)
		c.byName[o.name] = o
	}
	return c, nil
}

// setNextLogs records where alerts go. The collector passes every *-to-logs
// instance of one ID the same logs pipelines (those listing it as a
// receiver), so the first consumer stands for all.
func (c *core) setNextLogs(next consumer.Logs) {
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	if c.nextLogs == nil {
		c.nextLogs = next
	}
	c.refs++
}

// setNextMetrics records where the metrics go (see setNextLogs).
func (c *core) setNextMetrics(next consumer.Metrics) {
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	if c.nextMetrics == nil {
		c.nextMetrics = next
	}
	c.refs++
}

// Start restores state from storage and starts the evaluation ticker, on
// the first call only.
func (c *core) Start(ctx context.Context, host component.Host) error {
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	if c.started {
		return nil
	}
	if c.cfg.Storage != nil {
		if err := c.loadState(ctx, host); err != nil {
			return err
		}
	}
	c.started = true
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.run()
	return nil
}

func (c *core) run() {
	defer close(c.done)
	t := time.NewTicker(c.cfg.EvaluationInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.tick(context.Background())
		}
	}
}

// Shutdown stops the ticker on the last instance's call, evaluates once
// more (so the last counts leave as metrics) and saves the state. It waits
// for the ticker without lifeMu held, since a tick takes it.
func (c *core) Shutdown(ctx context.Context) error {
	c.lifeMu.Lock()
	if c.refs == 0 {
		c.lifeMu.Unlock()
		return nil
	}
	c.refs--
	if c.refs > 0 {
		c.lifeMu.Unlock()
		return nil
	}
	started, stop, done := c.started, c.stop, c.done
	c.started = false
	c.lifeMu.Unlock()
	defer c.release()
	defer c.tel.Shutdown()
	if !started {
		return nil
	}
	close(stop)
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	err := c.send(ctx, c.evaluate(ctx, c.now()))
	if c.client != nil {
		c.mu.Lock()
		err = errors.Join(err, c.saveState(ctx), c.client.Close(ctx))
		c.client = nil
		c.mu.Unlock()
	}
	return err
}

// tick evaluates, sends the alerts and metrics, then saves the state.
func (c *core) tick(ctx context.Context) {
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	if err := c.send(ctx, c.evaluate(ctx, c.now())); err != nil {
		c.logger.Warn("sending slo alerts or metrics failed", zap.Error(err))
	}
	if c.client != nil {
		c.mu.Lock()
		err := c.saveState(ctx)
		c.mu.Unlock()
		if err != nil {
			c.logger.Warn("saving slo state failed", zap.Error(err))
		}
	}
}

// send passes an evaluation's output on. Called with lifeMu held.
func (c *core) send(ctx context.Context, out output) error {
	var errs []error
	if c.nextLogs != nil && out.alerts.LogRecordCount() > 0 {
		errs = append(errs, c.nextLogs.ConsumeLogs(ctx, out.alerts))
	}
	if c.nextMetrics != nil && out.metrics.DataPointCount() > 0 {
		errs = append(errs, c.nextMetrics.ConsumeMetrics(ctx, out.metrics))
	}
	return errors.Join(errs...)
}
