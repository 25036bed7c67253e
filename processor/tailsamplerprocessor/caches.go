// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// fingerprintSet remembers dropped traces as 64-bit fingerprints in two
// generations of open-addressing tables: when the current generation is
// full it becomes the old one and the previous old one is forgotten. It holds
// between limit and 2*limit fingerprints in about 16 to 32 bytes each, and
// grows its tables on demand.
type fingerprintSet struct {
	cur, old fpTable
	limit    int
}

type fpTable struct {
	slots []uint64
	n     int
}

func newFingerprintSet(limit int) *fingerprintSet {
	return &fingerprintSet{limit: limit}
}

func slotOf(fp uint64, mask uint64) uint64 {
	return (fp * 0x9E3779B97F4A7C15) >> 32 & mask
}

func (t *fpTable) has(fp uint64) bool {
	if len(t.slots) == 0 {
		return false
	}
	mask := uint64(len(t.slots) - 1)
	for i := slotOf(fp, mask); ; i = (i + 1) & mask {
		switch t.slots[i] {
		case fp:
			return true
		case 0:
			return false
		}
	}
}

func (t *fpTable) insert(fp uint64) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := slotOf(fp, mask); ; i = (i + 1) & mask {
		switch t.slots[i] {
		case fp:
			return
		case 0:
			t.slots[i] = fp
			t.n++
			return
		}
	}
}

func (t *fpTable) grow() {
	old := t.slots
	size := 2 * len(old)
	if size < 64 {
		size = 64
	}
	t.slots = make([]uint64, size)
	t.n = 0
	for _, fp := range old {
		if fp != 0 {
			t.insert(fp)
		}
	}
}

// add records fp and returns how many fingerprints were forgotten to make
// room.
func (s *fingerprintSet) add(fp uint64) (forgotten int) {
	if s.limit <= 0 {
		return 0
	}
	fp |= 1 // 0 marks an empty slot
	if s.cur.n >= s.limit {
		forgotten = s.old.n
		s.old, s.cur = s.cur, s.old
		clear(s.cur.slots)
		s.cur.n = 0
	}
	s.cur.insert(fp)
	return forgotten
}

func (s *fingerprintSet) has(fp uint64) bool {
	fp |= 1
	return s.cur.has(fp) || s.old.has(fp)
}

// fifo is a queue of (trace ID, time) in time order. Entries are values, not
// pointers, so a decided trace's memory is released at once; its stale entry
// (fifoEntrySize bytes) is skipped when it reaches the head or dropped when
// the queue is compacted.
type fifo struct {
	items []fifoEntry
	head  int
}

type fifoEntry struct {
	id pcommon.TraceID
	at int64
}

const fifoEntrySize = int64(unsafe.Sizeof(fifoEntry{}))

func (q *fifo) push(id pcommon.TraceID, at int64) { q.items = append(q.items, fifoEntry{id, at}) }

func (q *fifo) len() int { return len(q.items) - q.head }

func (q *fifo) entries() []fifoEntry { return q.items[q.head:] }

// peek returns the oldest entry that satisfies live, dropping others.
func (q *fifo) peek(live func(fifoEntry) bool) (fifoEntry, bool) {
	for q.head < len(q.items) {
		if e := q.items[q.head]; live(e) {
			return e, true
		}
		q.pop()
	}
	return fifoEntry{}, false
}

func (q *fifo) pop() {
	q.head++
	if q.head == len(q.items) {
		q.items = q.items[:0]
		q.head = 0
	} else if q.head >= 1024 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		q.items = q.items[:n]
		q.head = 0
	}
}

// compact keeps only the entries that satisfy live.
func (q *fifo) compact(live func(fifoEntry) bool) {
	n := 0
	for _, e := range q.items[q.head:] {
		if live(e) {
			q.items[n] = e
			n++
		}
	}
	q.items = q.items[:n]
	q.head = 0
	if cap(q.items) > 1024 && 4*n < cap(q.items) {
		q.items = append([]fifoEntry(nil), q.items...)
	}
}
