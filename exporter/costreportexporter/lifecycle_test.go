package costreportexporter

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/exporter/costreportexporter/internal/metadata"
)

// The generated lifecycle test is skipped because it would write into the
// package folder; this is the same check against a temporary directory,
// through the public factory and the real clock.
func TestLifecycleWithDefaultConfig(t *testing.T) {
	ctx := context.Background()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Directory = t.TempDir()
	require.NoError(t, cfg.Validate())
	set := exportertest.NewNopSettings(metadata.Type)
	host := componenttest.NewNopHost()

	tr, err := f.CreateTraces(ctx, set, cfg)
	require.NoError(t, err)
	lg, err := f.CreateLogs(ctx, set, cfg)
	require.NoError(t, err)
	mt, err := f.CreateMetrics(ctx, set, cfg)
	require.NoError(t, err)
	for _, c := range []component.Component{tr, lg, mt} {
		require.NoError(t, c.Start(ctx, host))
	}
	assert.False(t, tr.Capabilities().MutatesData)
	require.NoError(t, tr.ConsumeTraces(ctx, ptrace.NewTraces()))
	require.NoError(t, tr.ConsumeTraces(ctx, makeTraces(res{"a", "b", "", 1})))
	require.NoError(t, lg.ConsumeLogs(ctx, plog.NewLogs()))
	require.NoError(t, mt.ConsumeMetrics(ctx, pmetric.NewMetrics()))
	for _, c := range []component.Component{tr, lg, mt} {
		require.NoError(t, c.Shutdown(ctx))
	}
	matches, err := filepath.Glob(filepath.Join(cfg.Directory, "hourly", "focus-*Z.csv"))
	require.NoError(t, err)
	assert.NotEmpty(t, matches)
}
