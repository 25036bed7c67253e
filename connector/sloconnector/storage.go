package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/connector/sloconnector/internal/window"
	"github.com/quell-otel/quell/internal/storageext"
)

// savedObjective is one objective's state in storage, under
// "objective/<name>": its buckets and firing alerts, so a restart keeps
// the budget window and does not page again for a burn already paged.
type savedObjective struct {
	Fine   window.Snapshot      `json:"fine"`
	Coarse window.Snapshot      `json:"coarse"`
	Firing map[string]time.Time `json:"firing,omitempty"`
}

func storageKey(name string) string { return "objective/" + name }

// loadState opens the storage client and restores every objective saved
// before. State saved with another bucket width is discarded with a
// warning (its history cannot be split into the new buckets).
func (c *core) loadState(ctx context.Context, host component.Host) error {
	client, err := storageext.Client(ctx, host, *c.cfg.Storage, component.KindConnector, c.set.ID)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.client = client
	for _, o := range c.objectives {
		b, err := client.Get(ctx, storageKey(o.name))
		if err != nil {
			return fmt.Errorf("storage: reading objective %q: %w", o.name, err)
		}
		if b == nil {
			continue
		}
		if err := o.restore(b); err != nil {
			c.logger.Warn("discarding saved SLO state", zap.String("slo", o.name), zap.Error(err))
		}
	}
	return nil
}

func (o *objective) restore(b []byte) error {
	var s savedObjective
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if !o.fine.Restore(s.Fine) || !o.coarse.Restore(s.Coarse) {
		return fmt.Errorf("saved with other bucket widths (%s, %s)", time.Duration(s.Fine.Width), time.Duration(s.Coarse.Width))
	}
	for name, at := range s.Firing {
		o.firing[name] = at
	}
	return nil
}

// saveState writes the objectives whose state changed since the last save,
// in one batch. Called with mu held.
func (c *core) saveState(ctx context.Context) error {
	var ops []*storage.Operation
	for _, o := range c.objectives {
		if !o.dirty {
			continue
		}
		b, err := json.Marshal(savedObjective{Fine: o.fine.Snapshot(), Coarse: o.coarse.Snapshot(), Firing: o.firing})
		if err != nil {
			return err
		}
		ops = append(ops, storage.SetOperation(storageKey(o.name), b))
	}
	if len(ops) == 0 {
		return nil
	}
	if err := c.client.Batch(ctx, ops...); err != nil {
		return err
	}
	for _, o := range c.objectives {
		o.dirty = false
	}
	return nil
}
