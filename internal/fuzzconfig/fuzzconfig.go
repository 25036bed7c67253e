// Package fuzzconfig fuzzes a component's configuration along the path the
// collector takes: YAML bytes, as a config provider retrieves them, become a
// confmap, each top-level entry is unmarshalled into the factory's default
// config, and Validate runs. A panic anywhere on that path is a crasher;
// errors are the expected answer to bad input.
package fuzzconfig // import "github.com/quell-otel/quell/internal/fuzzconfig"

import (
	"os"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
)

// Fuzz seeds f with the given YAML files (a component's
// testdata/config.yaml: one entry per component ID) and fuzzes Check.
func Fuzz(f *testing.F, newConfig func() component.Config, seedFiles ...string) {
	f.Helper()
	for _, path := range seedFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, yamlBytes []byte) {
		t.Helper()
		Check(yamlBytes, newConfig)
	})
}

// Check decodes yamlBytes as the collector does and validates every
// top-level entry as one configuration; it reports how many entries
// unmarshalled and how many of those validated.
func Check(yamlBytes []byte, newConfig func() component.Config) (decoded, valid int) {
	retrieved, err := confmap.NewRetrievedFromYAML(yamlBytes)
	if err != nil {
		return 0, 0
	}
	conf, err := retrieved.AsConf()
	if err != nil || conf == nil {
		return 0, 0
	}
	for key := range conf.ToStringMap() {
		sub, err := conf.Sub(key)
		if err != nil {
			continue
		}
		cfg := newConfig()
		if err := sub.Unmarshal(cfg); err != nil {
			continue
		}
		decoded++
		if confmap.Validate(cfg) == nil {
			valid++
		}
	}
	return decoded, valid
}
