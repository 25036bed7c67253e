// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package logbudgetprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/quell-otel/quell/internal/workload"
)

// TestSummaryQuietWhenIdleTotalsAtShutdown: an interval in which nothing
// was counted logs no line; the shutdown line always comes, with the totals
// since start, not only the last interval's. The summary loop is driven by
// hand (logIntervalSummary) on the fake clock.
func TestSummaryQuietWhenIdleTotalsAtShutdown(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.SummaryInterval = time.Minute })
	obs, logs := observer.New(zapcore.InfoLevel)
	h.p.logger = zap.New(obs)
	h.p.lastSummary = h.clock.Now() // as Start does
	lines := func() []string {
		var out []string
		for _, e := range logs.FilterMessageSnippet("log_budget: ").All() {
			out = append(out, e.Message)
		}
		return out
	}

	h.clock.Advance(time.Minute)
	h.p.logIntervalSummary()
	assert.Empty(t, lines(), "idle from the start: no line")

	gen := workload.NewLogGenerator(workload.LogOptions{Seed: 3, Services: 2, Start: h.clock.now})
	h.send(t, gen.Batch(1000))
	h.clock.Advance(time.Minute)
	h.p.logIntervalSummary()
	require.Len(t, lines(), 1)
	assert.Regexp(t, `^log_budget: 1,000 records in 1m; kept [\d,]+ \(\d+%\), dropped [\d,]+.*, [\d,]+ dedup summaries$`, lines()[0])

	h.clock.Advance(time.Minute)
	h.p.logIntervalSummary()
	assert.Len(t, lines(), 1, "idle interval: no line")

	h.send(t, gen.Batch(500))
	h.clock.Advance(30 * time.Second)
	require.NoError(t, h.p.Shutdown(context.Background()))
	require.Len(t, lines(), 2, "the shutdown line always comes")
	assert.Regexp(t, `^log_budget: 1,500 records in 3m30s; kept [\d,]+ \(\d+%\), dropped [\d,]+.*, [\d,]+ dedup summaries \(totals since start\)$`, lines()[1])
}

// TestSummaryShutdownLineWhenIdle: a collector that saw nothing still says
// so once, at shutdown.
func TestSummaryShutdownLineWhenIdle(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.SummaryInterval = time.Minute })
	obs, logs := observer.New(zapcore.InfoLevel)
	h.p.logger = zap.New(obs)
	h.p.lastSummary = h.clock.Now()
	h.clock.Advance(2 * time.Minute)
	h.p.logIntervalSummary()
	require.NoError(t, h.p.Shutdown(context.Background()))
	got := logs.FilterMessageSnippet("log_budget: ").All()
	require.Len(t, got, 1)
	assert.Equal(t, "log_budget: 0 records in 2m; kept 0 (0%), dropped 0, 0 dedup summaries (totals since start)", got[0].Message)
}
