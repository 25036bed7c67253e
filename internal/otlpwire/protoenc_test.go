// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package otlpwire

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/xpdata/entity"
)

// richTraces has every field the encoder writes, with edge values: empty
// strings and maps, zero ids, nested slices and maps, bytes, negative ints,
// NaN-free doubles, bools, flags, dropped counts, links and events.
func richTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	rs.Resource().Attributes().PutStr("service.name", "rich")
	rs.Resource().Attributes().PutInt("neg", -42)
	rs.Resource().SetDroppedAttributesCount(3)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.SetSchemaUrl("scope-schema")
	ss.Scope().SetName("lib")
	ss.Scope().SetVersion("v9")
	ss.Scope().Attributes().PutBool("b", false)
	ss.Scope().SetDroppedAttributesCount(1)

	sp := ss.Spans().AppendEmpty()
	sp.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	sp.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	sp.SetParentSpanID(pcommon.SpanID{8, 7, 6, 5, 4, 3, 2, 1})
	sp.TraceState().FromRaw("ot=th:8;rv:abcdef01234567,vendor=x")
	sp.SetName("all fields")
	sp.SetKind(ptrace.SpanKindConsumer)
	sp.SetStartTimestamp(1)
	sp.SetEndTimestamp(math.MaxUint64)
	sp.SetFlags(0x301)
	a := sp.Attributes()
	a.PutStr("s", "x")
	a.PutStr("empty", "")
	a.PutStr("", "empty key")
	a.PutInt("i", math.MinInt64)
	a.PutDouble("d", -1.5e300)
	a.PutBool("t", true)
	a.PutBool("f", false)
	a.PutEmptyBytes("bytes").FromRaw([]byte{0, 1, 2, 255})
	a.PutEmptyBytes("nobytes")
	a.PutEmpty("nothing")
	sl := a.PutEmptySlice("slice")
	sl.AppendEmpty().SetStr("a")
	sl.AppendEmpty().SetInt(7)
	sl.AppendEmpty()
	inner := sl.AppendEmpty().SetEmptyMap()
	inner.PutDouble("pi", 3.14)
	m := a.PutEmptyMap("map")
	m.PutEmptyMap("nested").PutEmptySlice("deep").AppendEmpty().SetBool(true)
	m.PutEmptyMap("emptymap")
	a.PutEmptySlice("emptyslice")
	sp.SetDroppedAttributesCount(5)
	ev := sp.Events().AppendEmpty()
	ev.SetName("ev")
	ev.SetTimestamp(123)
	ev.Attributes().PutStr("k", "v")
	ev.SetDroppedAttributesCount(2)
	sp.Events().AppendEmpty() // all defaults
	sp.SetDroppedEventsCount(6)
	l := sp.Links().AppendEmpty()
	l.SetTraceID(pcommon.TraceID{9})
	l.SetSpanID(pcommon.SpanID{9})
	l.TraceState().FromRaw("a=b")
	l.Attributes().PutInt("n", 1)
	l.SetDroppedAttributesCount(4)
	l.SetFlags(1)
	sp.Links().AppendEmpty()
	sp.SetDroppedLinksCount(7)
	sp.Status().SetCode(ptrace.StatusCodeError)
	sp.Status().SetMessage("bad")

	// A span with every field at its default, and one with only a status
	// message.
	ss.Spans().AppendEmpty()
	ss.Spans().AppendEmpty().Status().SetMessage("only message")

	// An empty scope and an empty resource.
	rs2 := td.ResourceSpans().AppendEmpty()
	rs2.ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("bare")
	return td
}

// encodeWire encodes in with this package's encoder, span by span as the
// processor does, into one TracesData.
func encodeWire(in ptrace.Traces) []byte {
	var w Batch
	var out []byte
	rss := in.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		rsHdr := w.AddResource(rs).Value()
		var rsBody []byte
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			ssBody := appendScopeHeader(nil, ss.Scope(), ss.SchemaUrl())
			for k := 0; k < ss.Spans().Len(); k++ {
				enc := appendSpan(nil, ss.Spans().At(k))
				ssBody = append(appendLen(ssBody, tagSpans, len(enc)), enc...)
			}
			rsBody = append(appendLen(rsBody, tagScopeSpans, len(ssBody)), ssBody...)
		}
		body := append([]byte(rsHdr), rsBody...)
		out = append(appendLen(out, tagResourceSpans, len(body)), body...)
	}
	return out
}

// requireDecodesTo checks that pdata decodes encoded to the same traces as
// want (compared as OTLP JSON).
func requireDecodesTo(t *testing.T, want ptrace.Traces, encoded []byte) {
	t.Helper()
	var um ptrace.ProtoUnmarshaler
	got, err := um.UnmarshalTraces(encoded)
	require.NoError(t, err)
	var jm ptrace.JSONMarshaler
	wantJSON, err := jm.MarshalTraces(want)
	require.NoError(t, err)
	gotJSON, err := jm.MarshalTraces(got)
	require.NoError(t, err)
	require.JSONEq(t, string(wantJSON), string(gotJSON))
}

func TestEncoderMatchesPdata(t *testing.T) {
	in := richTraces()
	requireDecodesTo(t, in, encodeWire(in))

	// pdata also writes empty ids and an empty status as zero-length
	// fields; the encoder omits them, which decodes the same.
	var pm ptrace.ProtoMarshaler
	empty := ptrace.NewSpan()
	assert.Equal(t, pm.SpanSize(empty)-8, len(appendSpan(nil, empty)))
}

// encodePublic runs in through the API tail_sampler uses: every span into
// a Batch, grouped per ScopeSpans, and the groups through an Encoder.
func encodePublic(in ptrace.Traces) []byte {
	var w Batch
	var enc Encoder
	w.Reserve(in.SpanCount())
	var groups [][]Segment
	n := int32(0)
	rss := in.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		res := w.AddResource(rs)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			scope := w.AddScope(res, ss)
			var nums []int32
			for k := 0; k < ss.Spans().Len(); k++ {
				w.AddSpan(scope, ss.Spans().At(k))
				nums = append(nums, n)
				n++
			}
			segs, _ := w.Group(nums)
			groups = append(groups, segs)
		}
	}
	w.Reset()
	enc.Add(groups)
	return enc.Encode()
}

func TestPublicAPIRoundTrip(t *testing.T) {
	for name, in := range map[string]ptrace.Traces{"rich": richTraces(), "entity refs": entityTraces()} {
		t.Run(name, func(t *testing.T) {
			requireDecodesTo(t, in, encodePublic(in))
		})
	}
}

// entityTraces has a resource with entity references, which pcommon cannot
// reach: AddResource encodes it with pdata's marshaller.
func entityTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "a")
	ref := entity.ResourceEntityRefs(rs.Resource()).AppendEmpty()
	ref.SetType("service")
	ref.IdKeys().Append("service.name")
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.SetTraceID(pcommon.TraceID{1})
	sp.SetSpanID(pcommon.SpanID{1})
	sp.SetName("op")
	return td
}

func TestSegmentEncodedSize(t *testing.T) {
	in := entityTraces()
	var w Batch
	rs := in.ResourceSpans().At(0)
	scope := w.AddScope(w.AddResource(rs), rs.ScopeSpans().At(0))
	w.AddSpan(scope, rs.ScopeSpans().At(0).Spans().At(0))
	segs, _ := w.Group([]int32{0})
	require.Len(t, segs, 1)
	var pm ptrace.ProtoMarshaler
	b, err := pm.MarshalTraces(in)
	require.NoError(t, err)
	// pdata writes the empty parent span ID and status as empty fields
	// (2 bytes each); the encoder omits them.
	assert.Equal(t, len(b)-4, segs[0].EncodedSize())
}

func TestFieldEndRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{{0x0a, 0x05, 0x12}, {0x0f}, {0x08}, {0x09, 1}, {0x80}} {
		_, err := FieldEnd(b, 0)
		require.Error(t, err, "% x", b)
	}
	end, err := FieldEnd([]byte{0x0a, 0x01, 0x00, 0x08}, 0)
	require.NoError(t, err)
	assert.Equal(t, 3, end)
}

func TestRecentResourcesReuseOnlyEqualHeaders(t *testing.T) {
	td := ptrace.NewTraces()
	add := func(svc, schema string, dropped uint32) ptrace.ResourceSpans {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", svc)
		rs.Resource().Attributes().PutInt("n", 1)
		rs.Resource().SetDroppedAttributesCount(dropped)
		rs.SetSchemaUrl(schema)
		return rs
	}
	all := []ptrace.ResourceSpans{add("a", "", 0), add("b", "", 0), add("a", "", 0), add("a", "s", 0), add("a", "", 1), add("a", "", 0)}
	var w Batch
	var got []string
	for _, rs := range all {
		h := w.AddResource(rs)
		want := appendResourceHeader(nil, rs.Resource(), rs.SchemaUrl())
		require.Equal(t, string(want), h.Value())
		got = append(got, h.Value())
	}
	assert.Equal(t, got[0], got[2])
	assert.Equal(t, got[0], got[5])
	assert.NotEqual(t, got[0], got[1])
	assert.NotEqual(t, got[0], got[3])
	assert.NotEqual(t, got[0], got[4])
	w.Reset()
	assert.Empty(t, w.recent)
}

// FuzzWireRoundTrip decodes arbitrary bytes with pdata and, when they are
// valid OTLP traces, encodes them with this package's encoder: pdata must
// decode the result to the same traces.
func FuzzWireRoundTrip(f *testing.F) {
	var pm ptrace.ProtoMarshaler
	seed, err := pm.MarshalTraces(richTraces())
	require.NoError(f, err)
	f.Add(seed)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var um ptrace.ProtoUnmarshaler
		in, err := um.UnmarshalTraces(data)
		if err != nil {
			return
		}
		var um2 ptrace.ProtoUnmarshaler
		got, err := um2.UnmarshalTraces(encodeWire(in))
		require.NoError(t, err)
		require.Equal(t, withoutDictionaryRefs(t, in), withoutDictionaryRefs(t, got))
	})
}

// withoutDictionaryRefs is td as OTLP JSON, less the profiles
// dictionary's references (KeyValue.key_strindex,
// AnyValue.string_value_strindex): they mean nothing outside profiles,
// pdata's public API does not expose them, so the encoder cannot carry
// them.
func withoutDictionaryRefs(t *testing.T, td ptrace.Traces) any {
	var jm ptrace.JSONMarshaler
	b, err := jm.MarshalTraces(td)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	var drop func(any)
	drop = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "keyStrindex")
			delete(x, "stringValueStrindex")
			for _, e := range x {
				drop(e)
			}
		case []any:
			for _, e := range x {
				drop(e)
			}
		}
	}
	drop(v)
	return v
}
