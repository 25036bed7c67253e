// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

//go:build !unix

package cputime // import "github.com/quell-otel/quell/internal/cputime"

import "time"

func used() (time.Duration, bool) { return 0, false }
