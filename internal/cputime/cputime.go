// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

// Package cputime reads the CPU time this process has used (user + system,
// every thread, GC included). Benchmarks report it next to wall time because
// on a shared machine wall time mostly measures the neighbors.
package cputime // import "github.com/quell-otel/quell/internal/cputime"

import "time"

// Used returns the process's CPU time so far; ok is false where the platform
// does not report it.
func Used() (d time.Duration, ok bool) { return used() }
