// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

//go:generate mdatagen metadata.yaml

// Package tailsamplerprocessor buffers spans per trace and keeps or drops
// whole traces with ordered first-match rules, recording the W3C sampling
// threshold of every decision on the kept spans.
package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"
