// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package otlpwire // import "github.com/quell-otel/quell/internal/otlpwire"

import (
	"errors"
	"math/bits"
	"unique"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/xpdata/entity"
)

const (
	tagResourceSpans = 0x0a // TracesData.resource_spans = 1, LEN
	tagScopeSpans    = 0x12 // ResourceSpans.scope_spans = 2, LEN
	tagSpans         = 0x12 // ScopeSpans.spans = 2, LEN
)

var errWire = errors.New("otlpwire: malformed protobuf")

type byteRange struct{ start, end int32 }

func (r byteRange) len() int { return int(r.end - r.start) }

type wireSS struct {
	rs, ss unique.Handle[string] // interned resource and scope headers
}

type wireSpan struct {
	rng byteRange // in buf
	ss  int32
}

// recentResource is a resource of the current batch and its header handle.
type recentResource struct {
	res       pcommon.Resource
	schemaURL string
	h         unique.Handle[string]
}

const maxRecentResources = 16

// Batch is one batch encoded span by span. The zero value is ready; Reset
// it between batches to reuse its buffers.
type Batch struct {
	recent []recentResource // most recent first; cleared between batches
	buf    []byte           // the spans' encodings, back to back (reused)
	arena  []byte           // scratch for the header being encoded
	ss     []wireSS
	spans  []wireSpan
	// avgSpan is the encoded bytes per span of the last batch, 0 before.
	avgSpan int
}

// spanBytes estimates the encoded size of a span for sizing buf.
func (w *Batch) spanBytes() int {
	if w.avgSpan == 0 {
		return 160 // a span with a handful of attributes: 100-200 B
	}
	return w.avgSpan + w.avgSpan/8
}

// internArena returns the handle of the header just encoded in the arena.
// unique.Make clones the string when it first stores it, so a view of the
// reused arena is safe here.
func (w *Batch) internArena() unique.Handle[string] {
	if len(w.arena) == 0 {
		return unique.Make("")
	}
	return unique.Make(unsafe.String(unsafe.SliceData(w.arena), len(w.arena)))
}

// Reserve sizes the buffers for a batch of n spans once, rather than by
// doubling, with headroom so that batches of about the same size reuse them.
// The span buffer is sized from the bytes per span of the last batch
// (append grows it if this one is larger).
func (w *Batch) Reserve(n int) {
	if cap(w.spans) < n {
		w.spans = make([]wireSpan, 0, n+n/4)
	}
	if need := n * w.spanBytes(); cap(w.buf) < need {
		w.buf = make([]byte, 0, need+need/4)
	}
}

// AddScope encodes and interns the header of ss, under the resource header
// res (from AddResource), and returns the scope's index for AddSpan.
func (w *Batch) AddScope(res unique.Handle[string], ss ptrace.ScopeSpans) int32 {
	idx := int32(len(w.ss))
	w.arena = appendScopeHeader(w.arena[:0], ss.Scope(), ss.SchemaUrl())
	w.ss = append(w.ss, wireSS{rs: res, ss: w.internArena()})
	return idx
}

// AddSpan encodes sp, of the scope at index scope; spans are numbered from
// 0 in the order they are added.
func (w *Batch) AddSpan(scope int32, sp ptrace.Span) {
	start := len(w.buf)
	w.buf = appendSpan(w.buf, sp)
	w.spans = append(w.spans, wireSpan{rng: byteRange{int32(start), int32(len(w.buf))}, ss: scope})
}

// AddResource encodes and interns a ResourceSpans header. Entity
// references are not reachable through pcommon, so a resource carrying them
// is encoded by pdata's marshaller instead.
func (w *Batch) AddResource(rs ptrace.ResourceSpans) unique.Handle[string] {
	res := rs.Resource()
	if entity.ResourceEntityRefs(res).Len() == 0 {
		// A batch often repeats a few resources in many ResourceSpans:
		// compare with the last ones seen in this batch before encoding.
		for i := range w.recent {
			e := &w.recent[i]
			if e.schemaURL == rs.SchemaUrl() && e.res.DroppedAttributesCount() == res.DroppedAttributesCount() &&
				e.res.Attributes().Equal(res.Attributes()) {
				h := e.h
				copy(w.recent[1:i+1], w.recent[:i]) // move to front
				w.recent[0] = recentResource{res: res, schemaURL: rs.SchemaUrl(), h: h}
				return h
			}
		}
		w.arena = appendResourceHeader(w.arena[:0], res, rs.SchemaUrl())
		h := w.internArena()
		if len(w.recent) < maxRecentResources {
			w.recent = append(w.recent, recentResource{})
		}
		copy(w.recent[1:], w.recent)
		w.recent[0] = recentResource{res: res, schemaURL: rs.SchemaUrl(), h: h}
		return h
	}
	td := ptrace.NewTraces()
	hdr := td.ResourceSpans().AppendEmpty()
	rs.Resource().CopyTo(hdr.Resource())
	hdr.SetSchemaUrl(rs.SchemaUrl())
	var m ptrace.ProtoMarshaler
	buf, _ := m.MarshalTraces(td)
	// buf is one TracesData.resource_spans field holding only the header.
	if _, _, ps, pe, _, err := nextField(buf, 0); err == nil {
		w.arena = append(w.arena[:0], buf[ps:pe]...)
	} else {
		w.arena = appendResourceHeader(w.arena[:0], rs.Resource(), rs.SchemaUrl())
	}
	return w.internArena()
}

// Reset forgets the batch, keeping the buffers (but no reference to the
// caller's pdata).
func (w *Batch) Reset() {
	if len(w.spans) > 0 {
		w.avgSpan = len(w.buf)/len(w.spans) + 1
	}
	if cap(w.buf) > 16<<20 {
		w.buf = nil // do not pool the buffer of a huge batch
	}
	w.buf = w.buf[:0]
	clear(w.recent) // holds the caller's pdata: never past the batch
	w.recent = w.recent[:0]
	w.arena = w.arena[:0]
	w.ss = w.ss[:0]
	w.spans = w.spans[:0]
}

func readVarint(b []byte, i int) (uint64, int, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if i >= len(b) {
			return 0, 0, errWire
		}
		c := b[i]
		i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i, nil
		}
	}
	return 0, 0, errWire
}

// FieldEnd returns where the protobuf field at b[i:] ends (the spans of a
// Segment are one field each), or an error if b is malformed there.
func FieldEnd(b []byte, i int) (int, error) {
	_, _, _, _, end, err := nextField(b, i)
	return end, err
}

// nextField reads one field at b[i:]; for LEN fields it returns the payload
// range, for others an empty payload. end is where the next field starts.
func nextField(b []byte, i int) (field int, wt int, pStart, pEnd, end int, err error) {
	tag, j, err := readVarint(b, i)
	if err != nil {
		return 0, 0, 0, 0, 0, err
	}
	field, wt = int(tag>>3), int(tag&7)
	switch wt {
	case 0:
		_, j, err = readVarint(b, j)
		return field, wt, j, j, j, err
	case 1:
		j += 8
	case 5:
		j += 4
	case 2:
		l, k, err := readVarint(b, j)
		if err != nil {
			return 0, 0, 0, 0, 0, err
		}
		if l > uint64(len(b)-k) {
			return 0, 0, 0, 0, 0, errWire
		}
		return field, wt, k, k + int(l), k + int(l), nil
	default:
		return 0, 0, 0, 0, 0, errWire
	}
	if j > len(b) {
		return 0, 0, 0, 0, 0, errWire
	}
	return field, wt, j, j, j, nil
}

func varintLen(x uint64) int {
	return (bits.Len64(x|1) + 6) / 7
}

func putVarint(b []byte, i int, x uint64) int {
	for x >= 0x80 {
		b[i] = byte(x) | 0x80
		x >>= 7
		i++
	}
	b[i] = byte(x)
	return i + 1
}

func fieldLen(payload int) int { return 1 + varintLen(uint64(payload)) + payload }

// Segment is a run of spans under one resource and scope.
type Segment struct {
	// Resource and Scope are the interned ResourceSpans and ScopeSpans
	// headers (their fields but their children).
	Resource, Scope unique.Handle[string]
	// Spans are ScopeSpans.spans fields (tag, length, encoding) back to
	// back; FieldEnd walks them.
	Spans []byte
}

// EncodedSize is the size of the segment sent alone: one ResourceSpans
// holding one ScopeSpans with the spans, with their framing.
func (sg Segment) EncodedSize() int {
	return fieldLen(len(sg.Resource.Value()) + fieldLen(len(sg.Scope.Value())+len(sg.Spans)))
}

// SegmentOverhead is what a Segment costs besides its span bytes;
// GroupOverhead is what a slice of them costs (the holder's accounting).
const (
	SegmentOverhead = int(unsafe.Sizeof(Segment{}))
	GroupOverhead   = int(unsafe.Sizeof([]Segment{}))
)

// Group copies the encoded spans (numbers from AddSpan, in encoding
// order) into one allocation and returns them as segments, in a slice of
// exactly their number, with the bytes both take. The segments do not refer
// to the batch's buffers.
func (w *Batch) Group(spans []int32) ([]Segment, int) {
	size, nSegs, cur := 0, 0, int32(-1)
	for _, si := range spans {
		sp := &w.spans[si]
		size += fieldLen(sp.rng.len())
		if sp.ss != cur {
			cur = sp.ss
			nSegs++
		}
	}
	buf := make([]byte, size)
	segs := make([]Segment, 0, nSegs)
	i, segStart := 0, 0
	cur = -1
	for _, si := range spans {
		sp := w.spans[si]
		if sp.ss != cur {
			if cur >= 0 {
				segs = append(segs, Segment{Resource: w.ss[cur].rs, Scope: w.ss[cur].ss, Spans: buf[segStart:i:i]})
			}
			cur, segStart = sp.ss, i
		}
		buf[i] = tagSpans
		i = putVarint(buf, i+1, uint64(sp.rng.len()))
		i += copy(buf[i:], w.buf[sp.rng.start:sp.rng.end])
	}
	if cur >= 0 {
		segs = append(segs, Segment{Resource: w.ss[cur].rs, Scope: w.ss[cur].ss, Spans: buf[segStart:i:i]})
	}
	return segs, size + nSegs*SegmentOverhead
}

type ssGroup struct {
	h     unique.Handle[string]
	parts [][]byte
	size  int
}

type rsGroup struct {
	h    unique.Handle[string]
	ss   []ssGroup
	size int
}

// Encoder regroups segments by resource and scope into one TracesData.
// It is meant to be reused: its groups and output buffer keep their
// capacity, and references to span bytes are cleared after Encode.
type Encoder struct {
	idx map[unique.Handle[string]]int
	rs  []rsGroup
	out []byte
}

// Add adds the segments of groups to the next Encode.
func (e *Encoder) Add(groups [][]Segment) {
	for _, segs := range groups {
		e.addSegments(segs)
	}
}

func (e *Encoder) addSegments(segs []Segment) {
	if e.idx == nil {
		e.idx = map[unique.Handle[string]]int{}
	}
	for _, sg := range segs {
		ri, ok := e.idx[sg.Resource]
		if !ok {
			ri = len(e.rs)
			e.idx[sg.Resource] = ri
			if len(e.rs) < cap(e.rs) {
				e.rs = e.rs[:ri+1]
				e.rs[ri].h, e.rs[ri].size = sg.Resource, 0
			} else {
				e.rs = append(e.rs, rsGroup{h: sg.Resource})
			}
		}
		r := &e.rs[ri]
		si := -1
		for j := range r.ss {
			if r.ss[j].h == sg.Scope {
				si = j
				break
			}
		}
		if si < 0 {
			si = len(r.ss)
			if len(r.ss) < cap(r.ss) {
				r.ss = r.ss[:si+1]
				r.ss[si].h, r.ss[si].size = sg.Scope, 0
			} else {
				r.ss = append(r.ss, ssGroup{h: sg.Scope})
			}
		}
		r.ss[si].parts = append(r.ss[si].parts, sg.Spans)
		r.ss[si].size += len(sg.Spans)
	}
}

// Encode returns the TracesData of everything added, in a buffer that the
// next Encode reuses (pdata's unmarshaller copies what it keeps), and
// resets the encoder.
func (e *Encoder) Encode() []byte {
	total := 0
	for ri := range e.rs {
		r := &e.rs[ri]
		r.size = len(r.h.Value())
		for si := range r.ss {
			s := &r.ss[si]
			s.size += len(s.h.Value())
			r.size += fieldLen(s.size)
		}
		total += fieldLen(r.size)
	}
	if cap(e.out) < total || cap(e.out) > 16<<20 {
		e.out = make([]byte, total)
	}
	out := e.out[:total]
	i := 0
	for _, r := range e.rs {
		out[i] = tagResourceSpans
		i = putVarint(out, i+1, uint64(r.size))
		i += copy(out[i:], r.h.Value())
		for _, s := range r.ss {
			out[i] = tagScopeSpans
			i = putVarint(out, i+1, uint64(s.size))
			i += copy(out[i:], s.h.Value())
			for _, p := range s.parts {
				i += copy(out[i:], p)
			}
		}
	}
	e.reset()
	return out
}

// reset forgets what was added, keeping capacity but no span bytes or
// handles.
func (e *Encoder) reset() {
	clear(e.idx)
	for ri := range e.rs {
		r := &e.rs[ri]
		r.h = unique.Handle[string]{}
		for si := range r.ss {
			s := &r.ss[si]
			s.h = unique.Handle[string]{}
			clear(s.parts)
			s.parts = s.parts[:0]
		}
		r.ss = r.ss[:0]
	}
	e.rs = e.rs[:0]
}
