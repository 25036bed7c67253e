package alertcorrelatorprocessor

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// The inbox journals, with storage, the alerts each batch changed before
// the batch is acknowledged: the sender (Alertmanager) takes an answer as
// delivery, so an alert accepted between two saves of the state must not
// die with a crash. Batch seq is the key inboxKeyPrefix+seq, written alone
// (one small storage write per batch); inboxCoveredKey, written with each
// saved state, is the first seq that state does not cover, and the save
// deletes the batches below it. The journaled batches are contiguous from
// there, so a restart replays keys from it until one is missing.
const (
	inboxKeyPrefix  = "alert_correlator_inbox_"
	inboxCoveredKey = "alert_correlator_inbox_covered"
)

// inboxEntry is one journaled batch: the alerts it changed, and when.
type inboxEntry struct {
	Now    time.Time         `json:"now"`
	Alerts []correlate.Alert `json:"alerts"`
}

// inboxRange is [Lo, Next): Lo the first batch not yet deleted, Next the
// seq of the next batch.
type inboxRange struct {
	Lo, Next uint64
}

func inboxKey(seq uint64) string { return inboxKeyPrefix + strconv.FormatUint(seq, 10) }

// journal writes alerts, ingested at now, as the next inbox batch. c.mu
// must be held, so that a state marshaled under it covers exactly the
// batches below c.inbox.Next.
func (c *core) journal(ctx context.Context, alerts []correlate.Alert, now time.Time) error {
	b, err := json.Marshal(inboxEntry{Now: now, Alerts: alerts})
	if err != nil {
		return err
	}
	if err := c.client.Set(ctx, inboxKey(c.inbox.Next), b); err != nil {
		return err
	}
	c.inbox.Next++
	return nil
}

// inboxCovered returns, for a state marshaled now (c.mu held), the storage
// operations that record what it covers and delete those batches, and the
// new Lo once they are written.
func (c *core) inboxCovered() ([]*storage.Operation, uint64) {
	covered := c.inbox.Next
	ops := make([]*storage.Operation, 0, covered-c.inbox.Lo+1)
	ops = append(ops, storage.SetOperation(inboxCoveredKey, []byte(strconv.FormatUint(covered, 10))))
	for seq := c.inbox.Lo; seq < covered; seq++ {
		ops = append(ops, storage.DeleteOperation(inboxKey(seq)))
	}
	return ops, covered
}

// replayInbox ingests the journaled batches a crash left (those the saved
// state does not cover), in order, and keeps them journaled until the next
// save. c.mu must be held.
func (c *core) replayInbox(ctx context.Context) error {
	var lo uint64
	cb, err := c.client.Get(ctx, inboxCoveredKey)
	if err != nil {
		return err
	}
	if cb != nil {
		if lo, err = strconv.ParseUint(string(cb), 10, 64); err != nil {
			return fmt.Errorf("inbox position: %w", err)
		}
	}
	alerts := 0
	seq := lo
	for ; ; seq++ {
		b, err := c.client.Get(ctx, inboxKey(seq))
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		var e inboxEntry
		if err := json.Unmarshal(b, &e); err != nil {
			c.logger.Warn("skipping an unreadable journaled alert batch", zap.Uint64("seq", seq), zap.Error(err))
			continue
		}
		for _, a := range e.Alerts {
			c.engine.Ingest(a, e.Now)
		}
		alerts += len(e.Alerts)
	}
	c.inbox = inboxRange{Lo: lo, Next: seq}
	if alerts > 0 {
		c.dirty = true
		c.logger.Info("replayed alerts accepted after the last save", zap.Int("alerts", alerts), zap.Uint64("batches", seq-lo))
	}
	return nil
}
