package sloconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/storageext/storageexttest"
)

// shutdown stops a harness' core: once per pipeline it feeds.
func (h *harness) shutdown() {
	h.t.Helper()
	require.NoError(h.t, h.c.Shutdown(context.Background()))
	require.NoError(h.t, h.c.Shutdown(context.Background()))
}

// TestRestartKeepsBudget: after a day of 0.2% errors (burn rate 1.95, a
// ticket), a restart on the same file_storage finds the budget, the
// burn-rate windows and the firing ticket where they were, and does not
// raise the ticket a second time.
func TestRestartKeepsBudget(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	id, host := storageexttest.StartFileStorage(t, dir)
	cfg.Storage = &id

	h := newHarness(t, cfg, t0)
	require.NoError(t, h.c.Start(context.Background(), host))
	for m := 0; m < 24*60; m++ {
		td := ptrace.NewTraces()
		weightedSpans(td, "payment", 2044, 4) // 0.195%: burn ~2, ticket (1x over 3d and 6h)
		h.sendAt(minute(m).Add(30*time.Second), td)
		if (m+1)%60 == 0 {
			h.tickAt(minute(m + 1))
		}
	}
	before := metricValues(t, h.metrics.AllMetrics()[len(h.metrics.AllMetrics())-1])
	firing := alertRecords(h.logs)
	require.Len(t, firing, 1)
	require.Equal(t, "ticket", firing[0].tier)
	h.shutdown()

	id, host = storageexttest.StartFileStorage(t, dir)
	cfg.Storage = &id
	h2 := newHarness(t, cfg, minute(24*60))
	require.NoError(t, h2.c.Start(context.Background(), host))
	defer h2.shutdown()
	h2.tickAt(minute(24 * 60))
	after := metricValues(t, h2.metrics.AllMetrics()[0])
	assert.InDelta(t, 1-(4.0/2048)/0.001, after[metricBudgetRemaining], 1e-9)
	assert.Equal(t, before[metricBudgetRemaining], after[metricBudgetRemaining])
	assert.Equal(t, before[metricBurnRate+"/1d"], after[metricBurnRate+"/1d"])
	assert.Empty(t, alertRecords(h2.logs), "the ticket fired before the restart: no second page")

	// Good traffic from now on: the ticket resolves once the 6h window
	// clears, with the start time it had before the restart.
	for m := 24 * 60; m < 31*60; m++ {
		td := ptrace.NewTraces()
		weightedSpans(td, "payment", 2048, 0)
		h2.sendAt(minute(m).Add(30*time.Second), td)
		h2.tickAt(minute(m + 1))
	}
	resolved := alertRecords(h2.logs)
	require.Len(t, resolved, 1)
	assert.Equal(t, "resolved", resolved[0].state)
	assert.Equal(t, firing[0].fingerprint, resolved[0].fingerprint)
}

func TestRestartWithoutStorageForgets(t *testing.T) {
	h := newHarness(t, testConfig(), t0)
	h.run(0, 1, 2044, 4)
	h2 := newHarness(t, testConfig(), minute(1))
	h2.tickAt(minute(1))
	_, ok := metricValues(t, h2.metrics.AllMetrics()[0])[metricBudgetRemaining]
	assert.False(t, ok, "no storage, no budget history")
}
