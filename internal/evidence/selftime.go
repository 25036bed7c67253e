package evidence

import (
	"cmp"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// interval is a span's time, in Unix nanoseconds.
type interval struct{ start, end int64 }

// maxClimb bounds the walk from an internal span up to the span it works
// under (a parent chain in a damaged batch may loop).
const maxClimb = 32

// selfTimes sets each span's self time: its duration less the union of its
// children's intervals within it (calls in parallel count once). An
// internal span's self time is its service's own work under the nearest
// ancestor of the same service that is not internal, and adds to it: a
// server span whose handler runs in an internal span keeps the handler's
// time as its own.
func (b *Batch) selfTimes() {
	for i := range b.spans {
		s := &b.spans[i]
		s.self = s.dur - b.covered(s)
	}
	for i := range b.spans {
		s := &b.spans[i]
		if s.kind != ptrace.SpanKindInternal || s.self <= 0 {
			continue
		}
		j, ok := b.parentOf(s)
		for range maxClimb {
			if !ok || b.spans[j].service != s.service {
				break
			}
			if p := &b.spans[j]; p.kind != ptrace.SpanKindInternal {
				p.self += s.self
				break
			}
			j, ok = b.parentOf(&b.spans[j])
		}
	}
}

// covered is the time s's children in the batch cover within s.
func (b *Batch) covered(s *spanInfo) time.Duration {
	if s.child == 0 || s.dur <= 0 {
		return 0
	}
	lo, hi := s.start, s.start+int64(s.dur)
	c := b.covers[:0]
	for k := s.child; k != 0; k = b.spans[k-1].sibling {
		ch := &b.spans[k-1]
		if from, to := max(ch.start, lo), min(ch.start+int64(ch.dur), hi); to > from {
			c = append(c, interval{from, to})
		}
	}
	b.covers = c
	if len(c) == 0 {
		return 0
	}
	if len(c) > 1 {
		slices.SortFunc(c, func(x, y interval) int { return cmp.Compare(x.start, y.start) })
	}
	var total int64
	cur := c[0]
	for _, iv := range c[1:] {
		if iv.start > cur.end {
			total += cur.end - cur.start
			cur = iv
			continue
		}
		cur.end = max(cur.end, iv.end)
	}
	return time.Duration(total + cur.end - cur.start)
}
