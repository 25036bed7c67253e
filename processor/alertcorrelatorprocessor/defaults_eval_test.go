package alertcorrelatorprocessor

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/eval"
)

// TestEvaluationRunsTheDefaults holds the evaluation's engine and evidence
// configurations (internal/eval, which the README's figures come from)
// equal to what the processor's defaults map onto: a default changed in
// createDefaultConfig and not in the evaluation would report figures of a
// configuration no user runs.
func TestEvaluationRunsTheDefaults(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	want, got := cfg.engineConfig(), eval.EngineConfig()
	assert.Equal(t, ruleSources(want.LocalRules), ruleSources(got.LocalRules))
	want.LocalRules, got.LocalRules = nil, nil
	assert.Equal(t, want, got)

	wantEv, ok := cfg.evidenceConfig()
	require.True(t, ok, "trace evidence is on by default")
	assert.Equal(t, wantEv, eval.EvidenceConfig())
}

func ruleSources(rules []*regexp.Regexp) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.String()
	}
	return out
}
