package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestValidateRefusesAbsurdNumShards runs `otelcol-quell validate` on a
// tail_sampler with num_shards: 100000000, which used to pass validation
// after growing past 2.4 GB. It must be refused, naming the key, well
// before its generous timeout.
func TestValidateRefusesAbsurdNumShards(t *testing.T) {
	cfg := filepath.Join(RepoRoot(t), "internal/e2e/testdata/tailsampler-shutdown.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), "validate", "--config", cfg,
		"--config", "yaml:processors::tail_sampler::num_shards: 100000000")
	cmd.Env = append(cmd.Environ(), "QUELL_SINK_PORT=4317")
	out, err := cmd.CombinedOutput()
	require.NoError(t, ctx.Err(), "validate did not finish: %s", out)
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "validate must fail; output:\n%s", out)
	assert.Contains(t, string(out), "num_shards: must be in [0, 1024], got 100000000")
}
