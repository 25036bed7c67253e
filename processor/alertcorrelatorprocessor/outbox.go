package alertcorrelatorprocessor

import (
	"context"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// outboxKey is the storage key of the records not yet taken by the next
// consumer.
const outboxKey = "alert_correlator_outbox"

// outbox holds the incident records made on a tick (and at shutdown) until
// the next consumer takes them. With storage it is saved with the state
// that made its records, before they are sent: a record is never lost
// between the state that counts it as sent and the consumer, and a crash
// after a send but before the next save sends it once more after the
// restart (with the same incident.id, which PagerDuty and Alertmanager
// deduplicate). It holds at most limits.max_incidents records: beyond, the
// oldest batches are dropped, logged and counted.
type outbox struct {
	batches []plog.Logs
	records int
	// dirty: changed since last saved.
	dirty bool
}

// addToOutbox queues ld after the records already waiting.
func (c *core) addToOutbox(ctx context.Context, ld plog.Logs) {
	n := ld.LogRecordCount()
	if n == 0 {
		return
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	o := &c.outbox
	o.batches = append(o.batches, ld)
	o.records += n
	o.dirty = true
	for o.records > c.cfg.Limits.maxIncidents() && len(o.batches) > 1 {
		d := o.batches[0].LogRecordCount()
		c.tb.ProcessorAlertCorrelatorOverflow.Add(ctx, int64(d), metric.WithAttributes(attribute.String("map", "unsent_records")))
		c.logger.Error("incident records dropped: the next consumer kept refusing them", zap.Int("records", d))
		o.pop()
	}
}

func (o *outbox) pop() {
	o.records -= o.batches[0].LogRecordCount()
	o.batches[0] = plog.Logs{}
	o.batches = o.batches[1:]
	o.dirty = true
}

// flushOutbox sends the waiting batches in order until the next consumer
// refuses one; that one and those after it wait for the next call. A
// permanent error drops the batch it refused, with an error log. With
// storage, the outbox is saved again at once when it shrank, so that only
// a crash within that moment sends a record twice.
func (c *core) flushOutbox(ctx context.Context, next consumer.Logs) error {
	sent, err := c.sendOutbox(ctx, next)
	if sent {
		c.saveOutbox(ctx)
	}
	return err
}

func (c *core) sendOutbox(ctx context.Context, next consumer.Logs) (sent bool, err error) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	o := &c.outbox
	for len(o.batches) > 0 {
		b := o.batches[0]
		// A copy: a consumer that fails may have changed what it got.
		cp := plog.NewLogs()
		b.CopyTo(cp)
		if err := next.ConsumeLogs(ctx, cp); err != nil {
			if !consumererror.IsPermanent(err) {
				return sent, err
			}
			c.logger.Error("incident records refused for good, dropped", zap.Error(err), zap.Int("records", b.LogRecordCount()))
		} else {
			c.outgoing.add(ctx, b.LogRecordCount())
		}
		o.pop()
		sent = true
	}
	return sent, nil
}

// markOutboxDirty makes the next save write the outbox again.
func (c *core) markOutboxDirty() {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.outbox.dirty = true
}

// outboxRecords is how many records wait.
func (c *core) outboxRecords() int {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return c.outbox.records
}

// outboxOp returns the storage operation that brings the saved outbox up
// to date (a delete when none wait), or nil when it has not changed since
// the last call.
func (c *core) outboxOp() *storage.Operation {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	o := &c.outbox
	if !o.dirty {
		return nil
	}
	o.dirty = false
	if o.records == 0 {
		return storage.DeleteOperation(outboxKey)
	}
	all := plog.NewLogs()
	for _, ld := range o.batches {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			ld.ResourceLogs().At(i).CopyTo(all.ResourceLogs().AppendEmpty())
		}
	}
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(all)
	if err != nil {
		c.logger.Warn("saving unsent incident records", zap.Error(err))
		o.dirty = true
		return nil
	}
	return storage.SetOperation(outboxKey, b)
}

// restoreOutbox puts saved records back, to be sent first.
func (c *core) restoreOutbox(b []byte) error {
	ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(b)
	if err != nil {
		return err
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if n := ld.LogRecordCount(); n > 0 {
		c.outbox = outbox{batches: []plog.Logs{ld}, records: n}
	}
	return nil
}
