package alertcorrelatorprocessor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/metadata"
)

// Storage keys: the engine state and the learned graph (and outboxKey).
const (
	stateKey    = "alert_correlator_state"
	topologyKey = "alert_correlator_topology"
)

// core is the one instance shared by the traces and logs sides of an ID.
//
// Locks, and what each guards:
//   - lifeMu: the lifecycle (refs, started, stopped, cancel, server, addr);
//     held through Start's load and Shutdown's last save. client is set
//     under it in Start, before data flows and the tick starts.
//   - saveMu: orders the saves (a slower, older state never lands after a
//     newer one) and guards savedGraph.
//   - mu: the engine, dirty, nextLogs, summary and inbox; the evidence
//     tracker's own lock is taken under it when the engine reads it.
//   - sendMu: the outbox; held across the next consumer's ConsumeLogs so
//     batches leave in order.
//   - learnMu: the learner and lastSeen; a leaf (the spans' hot path takes
//     it alone, never with mu).
//
// Lock order: lifeMu, then saveMu, then mu or sendMu (never both at once:
// each is taken and released in turn), then the evidence tracker's lock.
// learnMu is never held with another. The graph locks itself.
type core struct {
	cfg    *Config
	set    processor.Settings
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	// outgoing counts records sent outside processLogs (outgoing.go).
	outgoing *outgoingItems
	now      func() time.Time

	graph   *topology.Graph
	learnMu sync.Mutex
	learner *topology.Learner
	// evidence has its own lock, taken after mu when the engine reads it
	// (lock order: mu, then the tracker's); nil when evidence is off.
	evidence *evidence.Tracker
	// batches recycles the evidence's span batches (observeTraces).
	batches evidence.BatchPool
	// summary counts what the summary line reports (guarded by mu).
	summary summaryCounts

	mu     sync.Mutex // engine, dirty, rechecksCounted
	engine *correlate.Engine
	dirty  bool
	// rechecksCounted is the engine's OverflowRechecks already counted.
	rechecksCounted uint64
	nextLogs        consumer.Logs
	hasLogs         bool

	lifeMu   sync.Mutex
	refs     int
	started  bool
	stopped  bool
	release  func()
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	server   *http.Server
	addr     string
	client   storage.Client
	lastSeen topoCounts
	// savedGraph is the graph version last written to storage.
	savedGraph uint64

	// inbox is the range of journaled alert batches (guarded by mu).
	inbox inboxRange
	// saveMu orders the saves.
	saveMu sync.Mutex

	// sendMu guards outbox and orders the sends from tick and shutdown.
	sendMu sync.Mutex
	outbox outbox
}

type topoCounts struct{ nodes, static, learned int }

func newCore(set processor.Settings, cfg *Config, release func()) (*core, error) {
	g := topology.New(topology.Config{TTL: cfg.Topology.TTL, MaxEdges: cfg.Topology.MaxEdges})
	if cfg.Topology.File != "" {
		services, err := topology.LoadFile(cfg.Topology.File)
		if err != nil {
			return nil, fmt.Errorf("topology.file: %w", err)
		}
		g.AddStatic(services)
	}
	ec := cfg.engineConfig()
	var tracker *evidence.Tracker
	if evc, ok := cfg.evidenceConfig(); ok {
		tracker = evidence.New(evc)
		ec.Evidence = tracker
	}
	c := &core{
		cfg: cfg, set: set, logger: set.Logger, now: time.Now, graph: g, evidence: tracker,
		learner: topology.NewLearner(g, topology.LearnerConfig{
			MaxPending: cfg.Topology.MaxPendingSpans, PendingTTL: cfg.Topology.PendingTTL,
		}),
		engine:  correlate.New(ec, g),
		release: release,
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	c.tb = tb
	if c.outgoing, err = newOutgoingItems(set); err != nil {
		return nil, err
	}
	err = errors.Join(
		tb.RegisterProcessorAlertCorrelatorOpenIncidentsCallback(c.observeSize(func(_, incidents int) int { return incidents })),
		tb.RegisterProcessorAlertCorrelatorTrackedAlertsCallback(c.observeSize(func(alerts, _ int) int { return alerts })),
		tb.RegisterProcessorAlertCorrelatorTopologyEdgesCallback(func(_ context.Context, o metric.Int64Observer) error {
			_, s, l := c.graph.Counts()
			o.Observe(int64(s + l))
			return nil
		}),
	)
	if err != nil {
		tb.Shutdown()
		return nil, err
	}
	return c, nil
}

// observeSize is a callback observing one of the engine's sizes (tracked
// alerts, open incidents), read under mu.
func (c *core) observeSize(pick func(alerts, incidents int) int) metric.Int64Callback {
	return func(_ context.Context, o metric.Int64Observer) error {
		c.mu.Lock()
		alerts, incidents := c.engine.Sizes()
		c.mu.Unlock()
		o.Observe(int64(pick(alerts, incidents)))
		return nil
	}
}

func (c *core) addRef() {
	c.lifeMu.Lock()
	c.refs++
	c.lifeMu.Unlock()
}

// setNextLogs records the logs side's next consumer; false when the core
// already has one.
func (c *core) setNextLogs(next consumer.Logs) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hasLogs {
		return false
	}
	c.hasLogs = true
	c.nextLogs = next
	return true
}

// Start runs once for the shared instance, on the first pipeline's Start.
func (c *core) Start(ctx context.Context, host component.Host) error {
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	if c.started {
		return nil
	}
	c.started = true
	if c.cfg.Storage != nil {
		if err := c.loadState(ctx, host); err != nil {
			return err
		}
	}
	if c.cfg.Topology.Endpoint != "" {
		ln, err := net.Listen("tcp", c.cfg.Topology.Endpoint)
		if err != nil {
			return fmt.Errorf("topology.endpoint: %w", err)
		}
		c.addr = ln.Addr().String()
		c.server = &http.Server{Handler: c.handler(), ReadHeaderTimeout: 5 * time.Second}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := c.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				c.logger.Error("topology endpoint stopped", zap.Error(err))
			}
		}()
		c.logger.Info("serving the service graph", zap.String("url", "http://"+ln.Addr().String()+"/topology"))
	}
	tickCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	interval := c.cfg.TickInterval
	if interval <= 0 {
		interval = time.Second
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-tickCtx.Done():
				return
			case <-t.C:
				c.tick(tickCtx)
			}
		}
	}()
	return nil
}

func (c *core) loadState(ctx context.Context, host component.Host) error {
	ext, ok := host.GetExtensions()[*c.cfg.Storage]
	if !ok {
		return fmt.Errorf("storage: extension %q not found", c.cfg.Storage.String())
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("storage: extension %q is not a storage extension", c.cfg.Storage.String())
	}
	client, err := se.GetClient(ctx, component.KindProcessor, c.set.ID, "")
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	c.client = client
	if tb, err := client.Get(ctx, topologyKey); err == nil && tb != nil {
		var snap topology.Snapshot
		if err := json.Unmarshal(tb, &snap); err != nil {
			c.logger.Warn("discarding unreadable learned topology", zap.Error(err))
		} else {
			c.graph.Restore(snap)
		}
	}
	if ob, err := client.Get(ctx, outboxKey); err == nil && ob != nil {
		if err := c.restoreOutbox(ob); err != nil {
			c.logger.Warn("discarding unreadable unsent incident records", zap.Error(err))
		} else if n := c.outboxRecords(); n > 0 {
			c.logger.Info("restored unsent incident records, sent on the first tick", zap.Int("records", n))
		}
	}
	b, err := client.Get(ctx, stateKey)
	if err != nil {
		return fmt.Errorf("storage: reading state: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b != nil {
		if err := c.engine.Unmarshal(b); err != nil {
			// A state we cannot read must not stop the collector: start empty.
			c.logger.Warn("discarding unreadable alert correlator state", zap.Error(err))
		} else {
			a, i := c.engine.Sizes()
			c.logger.Info("restored alert correlator state", zap.Int("alerts", a), zap.Int("incidents", i))
		}
	}
	if err := c.replayInbox(ctx); err != nil {
		return fmt.Errorf("storage: reading journaled alerts: %w", err)
	}
	return nil
}

// saveState writes what changed since the last save: the state, the
// records it counts as sent that wait in the outbox, the journaled alerts it
// now covers, and the graph, in one batch, so storage never holds one
// without the other.
func (c *core) saveState(ctx context.Context) error {
	if c.client == nil {
		return nil
	}
	// One save at a time (tick and shutdown may overlap): a slower, older
	// state must not land after a newer one.
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	var ops []*storage.Operation
	ob := c.outboxOp()
	if ob != nil {
		ops = append(ops, ob)
	}
	st := c.stateOps()
	ops = append(ops, st.ops...)
	graphOp, graph := c.graphOp()
	if graphOp != nil {
		ops = append(ops, graphOp)
	}
	if err := c.writeOps(ctx, ops); err != nil {
		// Try again on the next tick.
		if st.changed {
			c.mu.Lock()
			c.dirty = true
			c.mu.Unlock()
		}
		if ob != nil {
			c.markOutboxDirty()
		}
		return err
	}
	if st.covered > 0 {
		c.mu.Lock()
		c.inbox.Lo = st.covered
		c.mu.Unlock()
	}
	if graph != 0 {
		c.savedGraph = graph
	}
	return st.marshalErr
}

// stateSave is what saveState writes of the engine's state.
type stateSave struct {
	ops        []*storage.Operation // the state and the journal it covers
	changed    bool                 // the state was dirty (the mark is cleared)
	covered    uint64               // the journal's new low mark, once written
	marshalErr error
}

// stateOps takes the engine's state, if it changed since the last save,
// and the journal entries it covers, and clears the dirty mark (saveState
// sets it again if the write fails). A state that does not marshal is
// logged and returned as marshalErr.
func (c *core) stateOps() stateSave {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return stateSave{}
	}
	c.dirty = false
	b, err := c.engine.Marshal()
	if err != nil {
		c.logger.Warn("saving alert correlator state", zap.Error(err))
		return stateSave{changed: true, marshalErr: err}
	}
	inboxOps, covered := c.inboxCovered()
	ops := append([]*storage.Operation{storage.SetOperation(stateKey, b)}, inboxOps...)
	return stateSave{ops: ops, changed: true, covered: covered}
}

// graphOp is the write of the learned graph and its version, or nil when
// the saved one is current (or it does not marshal: logged).
func (c *core) graphOp() (*storage.Operation, uint64) {
	if c.graph.Version() == c.savedGraph {
		return nil, 0
	}
	snap := c.graph.Snapshot()
	tb, err := json.Marshal(snap)
	if err != nil {
		c.logger.Warn("saving learned topology", zap.Error(err))
		return nil, 0
	}
	return storage.SetOperation(topologyKey, tb), snap.Version
}

// saveOutbox writes the outbox alone, if it changed (after a send).
func (c *core) saveOutbox(ctx context.Context) {
	if c.client == nil {
		return
	}
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	if ob := c.outboxOp(); ob != nil && c.writeOps(ctx, []*storage.Operation{ob}) != nil {
		c.markOutboxDirty()
	}
}

// writeOps writes ops in one batch.
func (c *core) writeOps(ctx context.Context, ops []*storage.Operation) error {
	if len(ops) == 0 {
		return nil
	}
	err := c.client.Batch(ctx, ops...)
	if err != nil {
		c.logger.Warn("saving alert correlator state", zap.Error(err))
	}
	return err
}

// shutdownLogs runs when the logs pipeline's processor shuts down: while
// its next consumer still runs (the collector stops a pipeline's exporters
// after its processors, but the traces pipeline's processor may be stopped
// after the logs exporters), it emits the current state of every paged
// incident (and, without storage, pages the pending ones: Engine.Flush)
// and saves the state; then it releases its reference.
func (c *core) shutdownLogs(ctx context.Context) error {
	var errs []error
	c.lifeMu.Lock()
	started := c.started
	c.lifeMu.Unlock()
	if started {
		c.mu.Lock()
		events := c.engine.Flush(c.now(), c.client != nil)
		pending := c.engine.Pending()
		c.dirty = true
		next := c.nextLogs
		c.nextLogs = nil // no tick may send to it any more
		c.mu.Unlock()
		c.queueEvents(ctx, events, c.now())
		if err := c.saveState(ctx); err != nil { // before the records leave: see processLogs
			errs = append(errs, c.pageUnsaved(ctx, err))
		} else if pending > 0 && c.client != nil {
			c.logger.Info("incidents not paged yet are saved; the restarted collector pages them at their time", zap.Int("incidents", pending))
		}
		c.logSummary(c.now(), true)
		if next != nil {
			if err := c.flushOutbox(ctx, next); err != nil {
				msg := "incident records not sent at shutdown"
				if c.client != nil {
					msg += "; saved, to be sent after the restart"
				}
				c.logger.Error(msg, zap.Error(err), zap.Int("records", c.outboxRecords()))
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, c.Shutdown(ctx))
	return errors.Join(errs...)
}

// pageUnsaved is the shutdown's fallback when the last save failed: the
// incidents not paged yet, which only the saved state would have carried
// over the restart, page now rather than be lost, and the failure is
// logged and returned.
func (c *core) pageUnsaved(ctx context.Context, saveErr error) error {
	c.mu.Lock()
	events := c.engine.PagePending(c.now())
	c.mu.Unlock()
	c.queueEvents(ctx, events, c.now())
	c.logger.Error("alert correlator state not saved at shutdown; incidents not paged yet page now rather than be lost",
		zap.Error(saveErr), zap.Int("incidents_paged_now", len(events)))
	return fmt.Errorf("saving alert correlator state at shutdown: %w", saveErr)
}

// Shutdown stops the shared instance on the last pipeline's Shutdown and
// saves the state.
func (c *core) Shutdown(ctx context.Context) error {
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	c.refs--
	if c.refs > 0 || c.stopped {
		return nil
	}
	c.stopped = true
	c.release()
	if c.cancel != nil {
		c.cancel()
	}
	var errs []error
	if c.server != nil {
		errs = append(errs, c.server.Shutdown(ctx))
	}
	c.wg.Wait()
	if c.started {
		c.saveState(ctx)
		if c.client != nil {
			errs = append(errs, c.client.Close(ctx))
		}
	}
	c.tb.Shutdown()
	return errors.Join(errs...)
}

func (c *core) tick(ctx context.Context) {
	now := c.now()
	c.learnMu.Lock()
	ls := c.learner.Expire(now)
	c.learnMu.Unlock()
	c.countLearn(ctx, ls)
	if n := c.graph.Expire(now); n > 0 {
		c.tb.ProcessorAlertCorrelatorTopologyEdgesExpired.Add(ctx, int64(n))
	}
	c.logTopology()
	c.mu.Lock()
	events := c.engine.Advance(now)
	if len(events) > 0 {
		c.dirty = true
	}
	next := c.nextLogs
	rechecks := c.takeRecheckOverflow()
	c.mu.Unlock()
	c.countOverflow(ctx, "rechecks", rechecks)
	c.queueEvents(ctx, events, now)
	c.saveState(ctx) // before the records leave: see processLogs
	c.countEvidence(ctx)
	c.logSummary(now, false)
	if next == nil {
		return
	}
	if err := c.flushOutbox(ctx, next); err != nil {
		c.logger.Warn("sending incident records; kept for the next tick", zap.Error(err), zap.Int("records_kept", c.outboxRecords()))
	}
}

func (c *core) logTopology() {
	if !c.cfg.Topology.LogChanges {
		return
	}
	n, s, l := c.graph.Counts()
	now := topoCounts{n, s, l}
	c.learnMu.Lock()
	changed := now != c.lastSeen
	c.lastSeen = now
	c.learnMu.Unlock()
	if changed {
		c.logger.Info("service graph changed", zap.Int("nodes", n), zap.Int("static_edges", s), zap.Int("learned_edges", l))
	}
}

// observeTraces learns edges and counts evidence in one walk over the
// spans, and passes the traces on untouched. The walk fills the evidence
// batch under learnMu; the tracker counts it after, under its own lock
// alone.
func (c *core) observeTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	now := c.now()
	if c.evidence == nil {
		c.learnMu.Lock()
		ls := c.learner.Observe(td, now)
		c.learnMu.Unlock()
		c.countLearn(ctx, ls)
		return td, nil
	}
	batch := c.batches.Get()
	c.learnMu.Lock()
	ls := c.learner.ObserveWith(td, now, batch)
	c.learnMu.Unlock()
	c.countLearn(ctx, ls)
	c.evidence.ObserveBatch(batch, now)
	c.batches.Put(batch)
	return td, nil
}

func (c *core) countLearn(ctx context.Context, ls topology.LearnStats) {
	if ls.Spans > 0 {
		c.tb.ProcessorAlertCorrelatorSpansObserved.Add(ctx, int64(ls.Spans))
	}
	if ls.NewEdges > 0 {
		c.tb.ProcessorAlertCorrelatorTopologyEdgesLearned.Add(ctx, int64(ls.NewEdges))
	}
	if ls.Overflow > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(ls.Overflow), metric.WithAttributes(attribute.String("map", "pending_spans")))
	}
	if ls.EdgeOverflow > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(ls.EdgeOverflow), metric.WithAttributes(attribute.String("map", "edges")))
	}
}

var outcomeNames = map[correlate.Outcome]string{
	correlate.Correlated: "correlated",
	correlate.Duplicate:  "duplicate",
	correlate.Silenced:   "silenced",
	correlate.Held:       "held",
	correlate.Overflow:   "overflow",
	correlate.Ignored:    "ignored",
}

// processLogs correlates alert records and returns the incident records
// (plus passed-on alerts when configured, and any non-alert records).
func (c *core) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	now := c.now()
	c.mu.Lock()
	before := c.engine.Stats()
	t := c.ingestRecords(ld, now)
	// With storage, records leave only from tick, through the outbox,
	// saved with the state that made them before they are sent: a crash
	// can lose alerts of the last tick, which have caused no record yet,
	// but never a record nor the state behind one sent, so a restart
	// neither pages twice nor leaves an incident open that its resolution
	// can no longer find.
	var events []correlate.Event
	if c.client == nil {
		events = c.engine.Advance(now)
	}
	after := c.engine.Stats()
	// Repeats alone change nothing worth saving.
	if len(events) > 0 || after.Received-before.Received != after.Duplicates-before.Duplicates {
		c.dirty = true
	}
	var journalErr error
	if len(t.journal) > 0 {
		journalErr = c.journal(ctx, t.journal, now)
	}
	rechecks := c.takeRecheckOverflow()
	c.mu.Unlock()
	c.countOverflow(ctx, "rechecks", rechecks)
	if journalErr != nil {
		// Not acknowledged: the sender retries, and the repeat finds the
		// alerts already ingested.
		c.logger.Warn("journaling accepted alerts", zap.Error(journalErr))
		return ld, fmt.Errorf("alert_correlator: journaling alerts to storage: %w", journalErr)
	}
	c.countIngest(ctx, t)
	c.countOverflow(ctx, "alerts", int64(after.OverflowAlerts-before.OverflowAlerts))
	c.countOverflow(ctx, "incidents", int64(after.OverflowIncidents-before.OverflowIncidents))
	if len(events) > 0 {
		c.countEvents(ctx, events)
		c.incidentLogs(events, now).ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
	}
	if ld.ResourceLogs().Len() == 0 {
		return ld, processorhelper.ErrSkipProcessingData
	}
	return ld, nil
}

// ingestTally is what one call of processLogs counts of its alerts.
type ingestTally struct {
	outcomes   map[string]int64 // by outcomeNames, and "invalid"
	suppressed int64
	journal    []correlate.Alert // accepted alerts, to journal (with storage)
}

// ingestRecords feeds ld's alert records to the engine and removes from
// ld what does not go on (then empty scopes and resources). c.mu must be
// held.
func (c *core) ingestRecords(ld plog.Logs, now time.Time) ingestTally {
	t := ingestTally{outcomes: map[string]int64{}}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := rl.Resource().Attributes()
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sls.At(j).LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				return c.ingestRecord(res, lr, now, &t)
			})
		}
	}
	rls.RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool { return sl.LogRecords().Len() == 0 })
		return rl.ScopeLogs().Len() == 0
	})
	return t
}

// ingestRecord ingests lr, if it is an alert, counting it in t, and says
// whether it leaves the batch. Records that are not alerts, and invalid
// alerts, go on.
func (c *core) ingestRecord(res pcommon.Map, lr plog.LogRecord, now time.Time, t *ingestTally) (remove bool) {
	a, ok, valid := c.parse(res, lr)
	if !ok {
		return false // not an alert: pass on
	}
	if !valid {
		t.outcomes["invalid"]++
		return false
	}
	r := c.engine.Ingest(a, now)
	t.outcomes[outcomeNames[r.Outcome]]++
	if c.client != nil && (r.Outcome == correlate.Correlated || r.Outcome == correlate.Held) {
		t.journal = append(t.journal, a)
	}
	if r.Outcome == correlate.Correlated && r.Suppressed {
		t.suppressed++
	}
	c.summary.count(r)
	if !c.cfg.PassAlerts {
		// Fail open: an alert we could not track still goes on.
		return r.Outcome != correlate.Overflow
	}
	if r.IncidentID != "" {
		lr.Attributes().PutStr(alertconv.AttrIncidentID, r.IncidentID)
		lr.Attributes().PutBool(alertconv.AttrSuppressed, r.Suppressed)
	}
	return false
}

// countIngest adds t to the component's alert counters.
func (c *core) countIngest(ctx context.Context, t ingestTally) {
	for outcome, n := range t.outcomes {
		c.tb.ProcessorAlertCorrelatorAlerts.Add(ctx, n, metric.WithAttributes(attribute.String("outcome", outcome)))
	}
	if t.suppressed > 0 {
		c.tb.ProcessorAlertCorrelatorSuppressedAlerts.Add(ctx, t.suppressed)
	}
}

// queueEvents counts events and queues their incident records in the
// outbox (the tick's and the shutdown's way out; nothing when empty).
func (c *core) queueEvents(ctx context.Context, events []correlate.Event, now time.Time) {
	if len(events) > 0 {
		c.countEvents(ctx, events)
		c.addToOutbox(ctx, c.incidentLogs(events, now))
	}
}

func (c *core) countEvents(ctx context.Context, events []correlate.Event) {
	counts := map[string]int64{}
	for _, ev := range events {
		counts[ev.State]++
	}
	for state, n := range counts {
		c.tb.ProcessorAlertCorrelatorIncidentRecords.Add(ctx, n, metric.WithAttributes(attribute.String("state", state)))
	}
}

// parse reads an alert from a log record in the alert convention
// (alertconv.ReadAlert). ok is false for records that are not alerts; valid
// is false for alerts that cannot be correlated (unknown state).
func (c *core) parse(res pcommon.Map, lr plog.LogRecord) (a correlate.Alert, ok, valid bool) {
	al, ok, err := alertconv.ReadAlert(res, lr, c.cfg.ServiceLabel)
	if !ok {
		return a, false, false
	}
	a = correlate.Alert{
		Fingerprint: al.Fingerprint, RuleName: al.RuleName, Service: al.Service, Severity: al.Severity,
		State: al.State, StartsAt: al.StartsAt, Labels: al.Labels,
	}
	return a, true, err == nil
}

// incidentLogs renders incident changes as log records in the convention
// (alertconv.Incident writes them), one ResourceLogs per root service.
func (c *core) incidentLogs(events []correlate.Event, now time.Time) plog.Logs {
	ld := plog.NewLogs()
	byService := map[string]plog.LogRecordSlice{}
	for _, ev := range events {
		in := toIncident(ev)
		recs, ok := byService[in.RootService]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			in.WriteResource(rl.Resource().Attributes())
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(metadata.ScopeName)
			recs = sl.LogRecords()
			byService[in.RootService] = recs
		}
		in.Write(recs.AppendEmpty(), now)
	}
	return ld
}

// toIncident is an incident change in the convention.
func toIncident(ev correlate.Event) alertconv.Incident {
	in := ev.Incident
	return alertconv.Incident{
		ID: in.ID, State: ev.State,
		RootService: in.RootService, RootAlert: in.RootAlert, RootFingerprint: in.RootFingerprint, RootSeverity: in.RootSeverity,
		Services: in.Services, Symptoms: in.Symptoms,
		AlertCount: int64(in.AlertCount), SuppressedCount: int64(in.SuppressedCount),
		FirstSeen: in.FirstSeen, LastSeen: in.LastSeen,
		MergedInto: in.MergedInto, Storm: in.Storm, SilentRoot: in.SilentRoot,
		Evidence: in.Evidence, ExemplarTraceID: in.ExemplarTraceID,
		Summary: summary(ev),
	}
}

func summary(ev correlate.Event) string {
	in := ev.Incident
	root := in.RootService
	if root == "" {
		root = "(no service)"
	}
	s := fmt.Sprintf("[%s] %s on %s", ev.State, in.RootAlert, root)
	if in.Storm {
		s = fmt.Sprintf("[%s] alert storm beyond limits.max_incidents: %d alerts on %d services, first %s on %s",
			ev.State, in.AlertCount, len(in.Services), in.RootAlert, root)
	}
	if in.SuppressedCount > 0 {
		s += fmt.Sprintf(" (+%d symptom alerts", in.SuppressedCount)
		if len(in.Symptoms) > 0 {
			s += " on " + strings.Join(in.Symptoms, ", ")
		}
		s += ")"
	}
	if in.SilentRoot != "" {
		s += "; probable root " + in.SilentRoot + " (no alert of its own; the spans show errors or latency originating there)"
	}
	if in.MergedInto != "" {
		s += " (merged into " + in.MergedInto + ")"
	}
	// The body is what PagerDuty, Slack and webhooks show: the why goes
	// there too.
	if in.Evidence != "" {
		s += ". Why: " + in.Evidence
	}
	if in.ExemplarTraceID != "" {
		s += ". Exemplar trace: " + in.ExemplarTraceID
	}
	return s
}

// serverAddr is the topology endpoint's listening address ("" when off).
func (c *core) serverAddr() string {
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	return c.addr
}

// handler serves the graph and the open incidents as JSON.
func (c *core) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /topology", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(c.graph.Snapshot())
	})
	mux.HandleFunc("GET /incidents", func(w http.ResponseWriter, _ *http.Request) {
		c.mu.Lock()
		list := c.engine.List(c.now())
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(list)
	})
	return mux
}

// takeRecheckOverflow returns the symptoms the engine dropped from its
// queue of symptoms read again since the last call. c.mu must be held.
func (c *core) takeRecheckOverflow() int64 {
	total := c.engine.Stats().OverflowRechecks
	n := int64(total - c.rechecksCounted)
	c.rechecksCounted = total
	return n
}

// countOverflow counts n items a bounded map of the engine refused.
func (c *core) countOverflow(ctx context.Context, m string, n int64) {
	if n > 0 {
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, n, metric.WithAttributes(attribute.String("map", m)))
	}
}
