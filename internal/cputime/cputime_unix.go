// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

//go:build unix

package cputime // import "github.com/quell-otel/quell/internal/cputime"

import (
	"syscall"
	"time"
)

func used() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
