// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package bytesize

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Size{
		"0":          0,
		"4194304":    4 << 20,
		"512MiB":     512 << 20,
		"5GB":        5e9,
		"1.5 GiB":    3 << 29,
		"10kb":       10000,
		"64 KiB":     64 << 10,
		"100B":       100,
		" 2 TiB ":    2 << 40,
		"0.5KiB":     512,
		"1e3":        0, // not a form: checked below
		"-1":         0,
		"5 GBytes":   0,
		"MiB":        0,
		"9000000TiB": 0,
	} {
		got, err := Parse(in)
		switch in {
		case "1e3", "-1", "5 GBytes", "MiB", "9000000TiB":
			assert.Error(t, err, in)
		default:
			require.NoError(t, err, in)
			assert.Equal(t, want, got, in)
		}
	}
}

func TestString(t *testing.T) {
	assert.Equal(t, "512MiB", Size(512<<20).String())
	assert.Equal(t, "1000", Size(1000).String())
	assert.Equal(t, "0", Size(0).String())
}

// TestConfmap checks both forms through the collector's config decoding.
func TestConfmap(t *testing.T) {
	type cfg struct {
		A Size `mapstructure:"a"`
		B Size `mapstructure:"b"`
	}
	var c cfg
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"a": "5GB", "b": 1024}).Unmarshal(&c))
	assert.Equal(t, cfg{A: 5e9, B: 1024}, c)
	require.Error(t, confmap.NewFromStringMap(map[string]any{"a": "lots"}).Unmarshal(&c))
}
