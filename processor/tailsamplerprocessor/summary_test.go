// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestSummaryQuietWhenIdleTotalsAtShutdown: an interval that decided
// nothing logs no line; the shutdown line always comes, with the totals
// since start, not only the last interval's.
func TestSummaryQuietWhenIdleTotalsAtShutdown(t *testing.T) {
	cfg := baseConfig(ruleErrors(), ruleDefault(prob(0.1)))
	cfg.RootWait = 0
	cfg.SummaryInterval = time.Minute
	h := newHarness(t, cfg)
	obs, logs := observer.New(zapcore.InfoLevel)
	h.p.logger = zap.New(obs)
	lines := func() []string {
		var out []string
		for _, e := range logs.FilterMessageSnippet("tail_sampler: ").All() {
			out = append(out, e.Message)
		}
		return out
	}

	h.p.logIntervalSummary()
	assert.Empty(t, lines(), "idle from the start: no line")

	var specs []spanSpec
	for i := range 100 {
		specs = append(specs, spanSpec{trace: byte(i), id: 1, service: "a", err: i%10 == 0})
	}
	h.consume(t, batch(specs...))
	h.p.logIntervalSummary()
	require.Len(t, lines(), 1)
	assert.Regexp(t, `^tail_sampler: 100 traces decided \(kept \d+: errors 10, default \d+ at 10%\); early 0; late spans 0$`, lines()[0])

	h.p.logIntervalSummary()
	assert.Len(t, lines(), 1, "idle interval: no line")

	h.consume(t, batch(spanSpec{trace: 0, id: 2, parent: 1, service: "a"}))
	h.shutdown(t)
	require.Len(t, lines(), 2, "the shutdown line always comes")
	assert.Regexp(t, `^tail_sampler: 100 traces decided \(kept \d+: errors 10, default \d+ at 10%\); early 0; late spans 1 \(totals since start\)$`, lines()[1])
}

// TestSummaryShutdownLineWhenIdle: a collector that saw nothing still says
// so once, at shutdown.
func TestSummaryShutdownLineWhenIdle(t *testing.T) {
	cfg := baseConfig(ruleErrors(), ruleDefault(prob(0.1)))
	cfg.SummaryInterval = time.Minute
	h := newHarness(t, cfg)
	obs, logs := observer.New(zapcore.InfoLevel)
	h.p.logger = zap.New(obs)
	h.p.logIntervalSummary()
	h.shutdown(t)
	got := logs.FilterMessageSnippet("tail_sampler: ").All()
	require.Len(t, got, 1)
	assert.Equal(t, "tail_sampler: 0 traces decided (kept 0: errors 0, default 0 at 10%); early 0; late spans 0 (totals since start)", got[0].Message)
}
