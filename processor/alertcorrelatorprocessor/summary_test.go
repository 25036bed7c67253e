package alertcorrelatorprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// startSummaryHarness starts a harness whose summary line comes every
// minute, and returns it with the log lines it writes.
func startSummaryHarness(t *testing.T) (*harness, *observer.ObservedLogs) {
	t.Helper()
	cfg := testCfg()
	cfg.SummaryInterval = time.Minute
	h := newHarness(t, cfg)
	obs, logs := observer.New(zap.InfoLevel)
	h.core.logger = zap.New(obs)
	h.start(t, componenttest.NewNopHost())
	return h, logs
}

// TestSummaryQuietWhenIdleTotalsAtShutdown: an interval with no alert and
// no page logs no line; the shutdown line always comes, with the totals
// since the first tick, not only the last interval's.
func TestSummaryQuietWhenIdleTotalsAtShutdown(t *testing.T) {
	h, logs := startSummaryHarness(t)
	lines := func() []string {
		var out []string
		for _, e := range logs.FilterMessageSnippet("alert_correlator: ").All() {
			out = append(out, e.Message)
		}
		return out
	}

	h.tickAt(0) // the interval starts
	h.tickAt(time.Minute)
	assert.Empty(t, lines(), "idle from the start: no line")

	h.sendAt(t, 70*time.Second, alertSpec{service: "payment", rule: "Down", severity: "critical"})
	h.tickAt(2 * time.Minute)
	require.Len(t, lines(), 1)
	assert.Equal(t, "alert_correlator: 1 alerts in 1m0s (deduplicated 0); 1 incidents open, 1 pages, 0 symptoms suppressed", lines()[0])

	h.tickAt(3 * time.Minute)
	assert.Len(t, lines(), 1, "idle interval: no line")

	h.sendAt(t, 200*time.Second, alertSpec{service: "payment", rule: "Down", severity: "critical"})
	h.clock.Set(t0.Add(210 * time.Second))
	h.stop(t)
	require.Len(t, lines(), 2, "the shutdown line always comes")
	assert.Equal(t, "alert_correlator: 2 alerts in 3m30s (deduplicated 1); 1 incidents open, 1 pages, 0 symptoms suppressed (totals since start)", lines()[1])
}

// TestSummaryShutdownLineWhenIdle: a collector that saw nothing still says
// so once, at shutdown.
func TestSummaryShutdownLineWhenIdle(t *testing.T) {
	h, logs := startSummaryHarness(t)
	h.tickAt(0)
	h.tickAt(time.Minute)
	h.clock.Set(t0.Add(90 * time.Second))
	h.stop(t)
	got := logs.FilterMessageSnippet("alert_correlator: ").All()
	require.Len(t, got, 1)
	assert.Equal(t, "alert_correlator: 0 alerts in 1m30s (deduplicated 0); 0 incidents open, 0 pages, 0 symptoms suppressed (totals since start)", got[0].Message)
}
