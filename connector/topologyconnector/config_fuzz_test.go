package topologyconnector

import (
	"path/filepath"
	"testing"

	"github.com/quell-otel/quell/internal/fuzzconfig"
)

// FuzzConfig decodes fuzzed YAML into topology_summary's configuration
// through confmap, as the collector loads it, and validates it: neither may
// panic. Seeds: testdata/config.yaml.
func FuzzConfig(f *testing.F) {
	fuzzconfig.Fuzz(f, createDefaultConfig, filepath.Join("testdata", "config.yaml"))
}
