// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package otlpwire // import "github.com/quell-otel/quell/internal/otlpwire"

import (
	"encoding/binary"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// A direct OTLP protobuf encoder for spans and for resource/scope headers,
// written from pdata's public accessors into a reused buffer. pdata's own
// marshaller only encodes whole batches, allocating a new buffer each time
// and computing nested sizes once per nesting level; encoding span by span
// here costs one size pass and no allocation. Resources carrying entity
// references (not reachable through pcommon) go through pdata's marshaller.
// The encoding follows opentelemetry/proto/trace/v1/trace.proto and
// common/v1/common.proto; proto3 defaults are omitted, oneof values are
// always written.

func appendVarint(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

func appendLen(b []byte, tag byte, n int) []byte {
	return appendVarint(append(b, tag), uint64(n))
}

func appendStr(b []byte, tag byte, s string) []byte {
	return append(appendLen(b, tag, len(s)), s...)
}

func appendFixed64(b []byte, tag byte, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(append(b, tag), v)
}

func strFieldLen(s string) int {
	if s == "" {
		return 0
	}
	return fieldLen(len(s))
}

func varintFieldLen(x uint64) int {
	if x == 0 {
		return 0
	}
	return 1 + varintLen(x)
}

// AnyValue

func sizeValue(v pcommon.Value) int {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return fieldLen(len(v.Str()))
	case pcommon.ValueTypeBool:
		return 2
	case pcommon.ValueTypeInt:
		return 1 + varintLen(uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		return 9
	case pcommon.ValueTypeBytes:
		return fieldLen(v.Bytes().Len())
	case pcommon.ValueTypeSlice:
		return fieldLen(sizeSlice(v.Slice()))
	case pcommon.ValueTypeMap:
		return fieldLen(sizeAttrs(v.Map()))
	}
	return 0
}

func sizeSlice(s pcommon.Slice) int {
	n := 0
	for i := 0; i < s.Len(); i++ {
		n += fieldLen(sizeValue(s.At(i)))
	}
	return n
}

// sizeAttrs is the size of a repeated KeyValue field (tag 1 byte) holding m.
func sizeAttrs(m pcommon.Map) int {
	n := 0
	for k, v := range m.All() {
		n += fieldLen(sizeKV(k, v))
	}
	return n
}

func sizeKV(k string, v pcommon.Value) int {
	return strFieldLen(k) + fieldLen(sizeValue(v))
}

func appendValue(b []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendStr(b, 0x0a, v.Str())
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return append(b, 0x10, 1)
		}
		return append(b, 0x10, 0)
	case pcommon.ValueTypeInt:
		return appendVarint(append(b, 0x18), uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		return appendFixed64(b, 0x21, math.Float64bits(v.Double()))
	case pcommon.ValueTypeBytes:
		return append(appendLen(b, 0x3a, v.Bytes().Len()), v.Bytes().AsRaw()...)
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		b = appendLen(b, 0x2a, sizeSlice(s))
		for i := 0; i < s.Len(); i++ {
			e := s.At(i)
			b = appendValue(appendLen(b, 0x0a, sizeValue(e)), e)
		}
		return b
	case pcommon.ValueTypeMap:
		m := v.Map()
		return appendAttrs(appendLen(b, 0x32, sizeAttrs(m)), 0x0a, m)
	}
	return b
}

// appendAttrs writes m as a repeated KeyValue field with the given tag.
func appendAttrs(b []byte, tag byte, m pcommon.Map) []byte {
	for k, v := range m.All() {
		if v.Type() == pcommon.ValueTypeStr {
			// Most attributes are strings: size and write them in one go.
			sv := v.Str()
			vl := fieldLen(len(sv)) // AnyValue{string_value}
			b = appendLen(b, tag, strFieldLen(k)+fieldLen(vl))
			if k != "" {
				b = appendStr(b, 0x0a, k)
			}
			b = appendStr(appendLen(b, 0x12, vl), 0x0a, sv)
			continue
		}
		b = appendLen(b, tag, sizeKV(k, v))
		if k != "" {
			b = appendStr(b, 0x0a, k)
		}
		b = appendValue(appendLen(b, 0x12, sizeValue(v)), v)
	}
	return b
}

// Span

func sizeEvent(e ptrace.SpanEvent) int {
	n := strFieldLen(e.Name()) + sizeAttrs(e.Attributes()) + varintFieldLen(uint64(e.DroppedAttributesCount()))
	if e.Timestamp() != 0 {
		n += 9
	}
	return n
}

func sizeLink(l ptrace.SpanLink) int {
	n := strFieldLen(l.TraceState().AsRaw()) + sizeAttrs(l.Attributes()) + varintFieldLen(uint64(l.DroppedAttributesCount()))
	if !l.TraceID().IsEmpty() {
		n += 18
	}
	if !l.SpanID().IsEmpty() {
		n += 10
	}
	if l.Flags() != 0 {
		n += 5
	}
	return n
}

func sizeStatus(s ptrace.Status) int {
	return strFieldLen(s.Message()) + varintFieldLen(uint64(s.Code()))
}

// appendSpan writes the Span message's fields (without its own tag and
// length).
func appendSpan(b []byte, sp ptrace.Span) []byte {
	if id := sp.TraceID(); !id.IsEmpty() {
		b = append(append(b, 0x0a, 16), id[:]...)
	}
	if id := sp.SpanID(); !id.IsEmpty() {
		b = append(append(b, 0x12, 8), id[:]...)
	}
	if ts := sp.TraceState().AsRaw(); ts != "" {
		b = appendStr(b, 0x1a, ts)
	}
	if id := sp.ParentSpanID(); !id.IsEmpty() {
		b = append(append(b, 0x22, 8), id[:]...)
	}
	if n := sp.Name(); n != "" {
		b = appendStr(b, 0x2a, n)
	}
	if k := sp.Kind(); k != 0 {
		b = appendVarint(append(b, 0x30), uint64(k))
	}
	if t := sp.StartTimestamp(); t != 0 {
		b = appendFixed64(b, 0x39, uint64(t))
	}
	if t := sp.EndTimestamp(); t != 0 {
		b = appendFixed64(b, 0x41, uint64(t))
	}
	b = appendAttrs(b, 0x4a, sp.Attributes())
	if d := sp.DroppedAttributesCount(); d != 0 {
		b = appendVarint(append(b, 0x50), uint64(d))
	}
	evs := sp.Events()
	for i := 0; i < evs.Len(); i++ {
		b = appendEvent(b, evs.At(i))
	}
	if d := sp.DroppedEventsCount(); d != 0 {
		b = appendVarint(append(b, 0x60), uint64(d))
	}
	links := sp.Links()
	for i := 0; i < links.Len(); i++ {
		b = appendLink(b, links.At(i))
	}
	if d := sp.DroppedLinksCount(); d != 0 {
		b = appendVarint(append(b, 0x70), uint64(d))
	}
	if st := sp.Status(); st.Code() != 0 || st.Message() != "" {
		b = appendStatus(b, st)
	}
	if f := sp.Flags(); f != 0 {
		b = binary.LittleEndian.AppendUint32(append(b, 0x85, 0x01), f) // field 16, fixed32
	}
	return b
}

// appendEvent writes one Span.events entry (field 11) with its tag and
// length.
func appendEvent(b []byte, e ptrace.SpanEvent) []byte {
	b = appendLen(b, 0x5a, sizeEvent(e))
	if t := e.Timestamp(); t != 0 {
		b = appendFixed64(b, 0x09, uint64(t))
	}
	if n := e.Name(); n != "" {
		b = appendStr(b, 0x12, n)
	}
	b = appendAttrs(b, 0x1a, e.Attributes())
	if d := e.DroppedAttributesCount(); d != 0 {
		b = appendVarint(append(b, 0x20), uint64(d))
	}
	return b
}

// appendLink writes one Span.links entry (field 13) with its tag and
// length.
func appendLink(b []byte, l ptrace.SpanLink) []byte {
	b = appendLen(b, 0x6a, sizeLink(l))
	if id := l.TraceID(); !id.IsEmpty() {
		b = append(append(b, 0x0a, 16), id[:]...)
	}
	if id := l.SpanID(); !id.IsEmpty() {
		b = append(append(b, 0x12, 8), id[:]...)
	}
	if ts := l.TraceState().AsRaw(); ts != "" {
		b = appendStr(b, 0x1a, ts)
	}
	b = appendAttrs(b, 0x22, l.Attributes())
	if d := l.DroppedAttributesCount(); d != 0 {
		b = appendVarint(append(b, 0x28), uint64(d))
	}
	if f := l.Flags(); f != 0 {
		b = binary.LittleEndian.AppendUint32(append(b, 0x35), f)
	}
	return b
}

// appendStatus writes Span.status (field 15) with its tag and length.
func appendStatus(b []byte, st ptrace.Status) []byte {
	b = appendLen(b, 0x7a, sizeStatus(st))
	if m := st.Message(); m != "" {
		b = appendStr(b, 0x12, m)
	}
	if c := st.Code(); c != 0 {
		b = appendVarint(append(b, 0x18), uint64(c))
	}
	return b
}

// appendResourceHeader writes the ResourceSpans fields other than its scope
// spans: the resource and the schema URL.
func appendResourceHeader(b []byte, res pcommon.Resource, schemaURL string) []byte {
	attrs := res.Attributes()
	size := sizeAttrs(attrs) + varintFieldLen(uint64(res.DroppedAttributesCount()))
	b = appendAttrs(appendLen(b, 0x0a, size), 0x0a, attrs)
	if d := res.DroppedAttributesCount(); d != 0 {
		b = appendVarint(append(b, 0x10), uint64(d))
	}
	if schemaURL != "" {
		b = appendStr(b, 0x1a, schemaURL)
	}
	return b
}

// appendScopeHeader writes the ScopeSpans fields other than its spans: the
// instrumentation scope and the schema URL.
func appendScopeHeader(b []byte, sc pcommon.InstrumentationScope, schemaURL string) []byte {
	attrs := sc.Attributes()
	size := strFieldLen(sc.Name()) + strFieldLen(sc.Version()) + sizeAttrs(attrs) + varintFieldLen(uint64(sc.DroppedAttributesCount()))
	b = appendLen(b, 0x0a, size)
	if n := sc.Name(); n != "" {
		b = appendStr(b, 0x0a, n)
	}
	if v := sc.Version(); v != "" {
		b = appendStr(b, 0x12, v)
	}
	b = appendAttrs(b, 0x1a, attrs)
	if d := sc.DroppedAttributesCount(); d != 0 {
		b = appendVarint(append(b, 0x20), uint64(d))
	}
	if schemaURL != "" {
		b = appendStr(b, 0x1a, schemaURL)
	}
	return b
}
