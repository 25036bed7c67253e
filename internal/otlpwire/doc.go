// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

// Package otlpwire holds spans in their OTLP protobuf encoding, which is
// several times smaller than pdata's in-memory form, and turns groups of
// them back into one TracesData encoding. It is tail_sampler's buffer
// format, kept apart because it is hand-written and uses unsafe: its
// round-trip against pdata is fuzzed here (FuzzWireRoundTrip).
//
// A Batch encodes each span of an incoming batch once (protoenc.go) into a
// reused buffer: AddResource, AddScope, AddSpan in the batch's order.
// Resource and scope headers (every field but their children) are interned
// with unique.Make, so each distinct resource is held once however many
// traces and batches refer to it, and freed by the GC when none does.
// Batch.Group copies some of the batch's spans out as Segments of
// (resource, scope, encoded spans), which outlive the batch. An Encoder
// regroups segments by resource and scope into one TracesData encoding that
// a single pdata unmarshal turns back into pdata.
package otlpwire // import "github.com/quell-otel/quell/internal/otlpwire"
