// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

// Package bytesize is a byte count for configuration keys that accepts
// human-readable sizes.
//
// Accepted forms, in YAML or from an environment variable:
//   - an integer: a count of bytes (`4194304`);
//   - a number followed by a unit, with or without a space between them:
//     `B`, decimal `KB`, `MB`, `GB`, `TB` (powers of 1000) or binary `KiB`,
//     `MiB`, `GiB`, `TiB` (powers of 1024), case-insensitive, so `512MiB`,
//     `5GB`, `1.5 GiB`.
//
// The result is rounded down to whole bytes; negative sizes and sizes over
// 8 EiB are refused.
package bytesize // import "github.com/quell-otel/quell/internal/bytesize"

import (
	"encoding"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Size is a number of bytes.
type Size int64

var _ encoding.TextUnmarshaler = (*Size)(nil)

var units = []struct {
	suffix string
	factor float64
}{
	// Longest suffixes first: "KiB" must not be read as "B".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"b", 1},
}

// Parse reads a size in one of the package's forms.
func Parse(s string) (Size, error) {
	in := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(in, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("size %q: must be >= 0", s)
		}
		return Size(n), nil
	}
	lower := strings.ToLower(in)
	for _, u := range units {
		num, ok := strings.CutSuffix(lower, u.suffix)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(f) {
			break
		}
		v := f * u.factor
		if v < 0 || v >= math.MaxInt64 {
			return 0, fmt.Errorf("size %q: must be between 0 and 8EiB", s)
		}
		return Size(v), nil
	}
	return 0, fmt.Errorf("size %q: want bytes as an integer, or a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB) such as 512MiB", s)
}

// UnmarshalText reads a size from a configuration string.
func (z *Size) UnmarshalText(text []byte) error {
	v, err := Parse(string(text))
	if err != nil {
		return err
	}
	*z = v
	return nil
}

// String writes the size in the largest binary unit that divides it
// exactly, else in bytes.
func (z Size) String() string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if z != 0 && z%(1<<u.shift) == 0 {
			return strconv.FormatInt(int64(z>>u.shift), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(z), 10)
}
