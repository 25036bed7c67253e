// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package cputime

import (
	"runtime"
	"testing"
)

func TestUsedGrows(t *testing.T) {
	before, ok := Used()
	if !ok {
		t.Skip("CPU time not reported on " + runtime.GOOS)
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	after, _ := Used()
	if after <= before || x == 0 {
		t.Fatalf("CPU time did not grow: %v -> %v", before, after)
	}
}
