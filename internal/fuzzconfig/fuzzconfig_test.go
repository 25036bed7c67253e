package fuzzconfig

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
)

type testConfig struct {
	Name    string        `mapstructure:"name"`
	Timeout time.Duration `mapstructure:"timeout"`
}

func (c *testConfig) Validate() error {
	if c.Name == "" {
		return errors.New("name: required")
	}
	return nil
}

func newTestConfig() component.Config { return &testConfig{} }

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		yaml           string
		decoded, valid int
	}{
		{"a:\n  name: x\nb:\n  timeout: 5s\n", 2, 1},
		{"a:\n  timeout: soon\n", 0, 0},
		{"a: [1, 2]\n", 0, 0},
		{"just a string", 0, 0},
		{"{unclosed", 0, 0},
		{"", 0, 0},
	} {
		decoded, valid := Check([]byte(tt.yaml), newTestConfig)
		assert.Equal(t, tt.decoded, decoded, tt.yaml)
		assert.Equal(t, tt.valid, valid, tt.yaml)
	}
}
