package costreportexporter

import (
	"path/filepath"
	"testing"

	"github.com/quell-otel/quell/internal/fuzzconfig"
)

// FuzzConfig decodes fuzzed YAML into cost_report's configuration through confmap,
// as the collector loads it, and validates it: neither may panic. Seeds:
// testdata/config.yaml.
func FuzzConfig(f *testing.F) {
	fuzzconfig.Fuzz(f, createDefaultConfig, filepath.Join("testdata", "config.yaml"))
}
