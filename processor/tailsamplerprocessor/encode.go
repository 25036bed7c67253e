// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"errors"
	"math/bits"
)

// Buffered spans are held in their OTLP protobuf encoding, which is several
// times smaller than pdata's in-memory form. A batch is marshalled once; the
// wire bytes are then walked to find each ResourceSpans, ScopeSpans and Span,
// and each trace's spans are copied into one "chunk" per batch: a complete
// TracesData encoding (resource and scope headers followed by the spans).
// TracesData is a single repeated field, so chunks concatenate into a valid
// TracesData that one unmarshal turns back into pdata when a trace is kept.

const (
	tagResourceSpans = 0x0a // TracesData.resource_spans = 1, LEN
	tagScopeSpans    = 0x12 // ResourceSpans.scope_spans = 2, LEN
	tagSpans         = 0x12 // ScopeSpans.spans = 2, LEN
)

var errWire = errors.New("malformed protobuf")

type byteRange struct{ start, end int32 }

func (r byteRange) len() int { return int(r.end - r.start) }

type wireSS struct {
	hdr byteRange // in arena
	rs  int32
}

type wireSpan struct {
	rng byteRange // in buf
	ss  int32
}

// wireBatch is the parsed layout of one marshalled batch.
type wireBatch struct {
	buf   []byte
	arena []byte // resource/scope headers (fields other than the children)
	rs    []byteRange
	ss    []wireSS
	spans []wireSpan
}

func (w *wireBatch) reset() {
	w.buf = nil
	w.arena = w.arena[:0]
	w.rs = w.rs[:0]
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

// parse walks buf (an encoded TracesData) and records every span's range in
// encoding order, which is pdata's iteration order.
func (w *wireBatch) parse(buf []byte) error {
	w.buf = buf
	for i := 0; i < len(buf); {
		f, wt, ps, pe, end, err := nextField(buf, i)
		if err != nil {
			return err
		}
		if f == 1 && wt == 2 {
			if err := w.parseRS(ps, pe); err != nil {
				return err
			}
		}
		i = end
	}
	return nil
}

func (w *wireBatch) parseRS(start, stop int) error {
	b := w.buf[:stop]
	// Two passes: the resource header (every field but scope_spans) first,
	// so that it is contiguous in the arena, then the scopes.
	hdrStart := int32(len(w.arena))
	for i := start; i < stop; {
		f, wt, _, _, end, err := nextField(b, i)
		if err != nil {
			return err
		}
		if f != 2 || wt != 2 {
			w.arena = append(w.arena, b[i:end]...)
		}
		i = end
	}
	rsIdx := int32(len(w.rs))
	w.rs = append(w.rs, byteRange{hdrStart, int32(len(w.arena))})
	for i := start; i < stop; {
		f, wt, ps, pe, end, err := nextField(b, i)
		if err != nil {
			return err
		}
		if f == 2 && wt == 2 {
			if err := w.parseSS(ps, pe, rsIdx); err != nil {
				return err
			}
		}
		i = end
	}
	return nil
}

func (w *wireBatch) parseSS(start, stop int, rs int32) error {
	b := w.buf
	ssIdx := int32(len(w.ss))
	w.ss = append(w.ss, wireSS{rs: rs})
	// The scope header goes to the arena; spans are referenced in place.
	hdrStart := int32(len(w.arena))
	for i := start; i < stop; {
		f, wt, ps, pe, end, err := nextField(b[:stop], i)
		if err != nil {
			return err
		}
		if f == 2 && wt == 2 {
			w.spans = append(w.spans, wireSpan{rng: byteRange{int32(ps), int32(pe)}, ss: ssIdx})
		} else {
			w.arena = append(w.arena, b[i:end]...)
		}
		i = end
	}
	w.ss[ssIdx].hdr = byteRange{hdrStart, int32(len(w.arena))}
	return nil
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

type segment struct {
	idx  int32 // ss or rs index
	size int
}

// chunkBuilder assembles one trace's chunk from a parsed batch; it keeps its
// scratch slices between calls.
type chunkBuilder struct {
	ssSegs []segment
	rsSegs []segment
	rsOfSS []int32 // number of ss segments per rs segment
}

// build encodes the spans (indices into w.spans, in encoding order) as a
// TracesData. It returns the chunk and the number of ResourceSpans in it.
func (cb *chunkBuilder) build(w *wireBatch, spans []int32) ([]byte, int) {
	cb.ssSegs = cb.ssSegs[:0]
	cb.rsSegs = cb.rsSegs[:0]
	cb.rsOfSS = cb.rsOfSS[:0]
	for _, si := range spans {
		sp := w.spans[si]
		if n := len(cb.ssSegs); n == 0 || cb.ssSegs[n-1].idx != sp.ss {
			cb.ssSegs = append(cb.ssSegs, segment{idx: sp.ss, size: w.ss[sp.ss].hdr.len()})
		}
		cb.ssSegs[len(cb.ssSegs)-1].size += fieldLen(sp.rng.len())
	}
	for _, seg := range cb.ssSegs {
		rs := w.ss[seg.idx].rs
		if n := len(cb.rsSegs); n == 0 || cb.rsSegs[n-1].idx != rs {
			cb.rsSegs = append(cb.rsSegs, segment{idx: rs, size: w.rs[rs].len()})
			cb.rsOfSS = append(cb.rsOfSS, 0)
		}
		cb.rsSegs[len(cb.rsSegs)-1].size += fieldLen(seg.size)
		cb.rsOfSS[len(cb.rsOfSS)-1]++
	}
	total := 0
	for _, seg := range cb.rsSegs {
		total += fieldLen(seg.size)
	}
	out := make([]byte, total)
	i, ssi, spi := 0, 0, 0
	for r, rseg := range cb.rsSegs {
		out[i] = tagResourceSpans
		i = putVarint(out, i+1, uint64(rseg.size))
		h := w.rs[rseg.idx]
		i += copy(out[i:], w.arena[h.start:h.end])
		for range cb.rsOfSS[r] {
			sseg := cb.ssSegs[ssi]
			ssi++
			out[i] = tagScopeSpans
			i = putVarint(out, i+1, uint64(sseg.size))
			h := w.ss[sseg.idx].hdr
			i += copy(out[i:], w.arena[h.start:h.end])
			for spi < len(spans) && w.spans[spans[spi]].ss == sseg.idx {
				rng := w.spans[spans[spi]].rng
				out[i] = tagSpans
				i = putVarint(out, i+1, uint64(rng.len()))
				i += copy(out[i:], w.buf[rng.start:rng.end])
				spi++
			}
		}
	}
	return out, len(cb.rsSegs)
}
