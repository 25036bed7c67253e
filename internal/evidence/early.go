package evidence

// An SDK's batch span processor queues a span when it ends, so a server
// span ends, and is queued, after its own calls: when a batch closes
// mid-trace, the calls go in the earlier batch and their server span in
// the next. Judged in its own batch, that span reads the calls it lost
// as its self time, and a failure beneath it as beginning there. held.go
// waits for calls that come after their span; this file keeps the calls
// that came before it: a span of a service's own (not a server or
// consumer span: its parent is in the same process) whose parent is not
// in its batch is remembered under its parent for a while (earlyTTL),
// and a server or consumer span arriving later is judged with what its
// early calls showed (adopt), as if they had come in its batch. Whole
// traces and uncut per-service batches have no such spans, and read as
// before. The store is bounded (maxEarly); at the bound the oldest is
// forgotten and counted (Stats.EarlyOverflow).

import (
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// maxEarly bounds the remembered calls, as maxHeld bounds the held spans.
const maxEarly = 16384

// earlyFloor: a call that did not fail and took less cannot, missing,
// turn its span's self time slow on its own (slowFloor is 50 ms over the
// mean); half of it lets two such calls add up. Shorter calls are not
// remembered: on a busy service most calls are short, and remembering
// every one costs more than the evidence gains.
const earlyFloor = slowFloor / 2

// earlyTTL is how long early calls wait for their span: an export
// interval (5s by default in the SDKs) and a margin.
const earlyTTL = 10 * time.Second

// earlyCalls is what the calls of one parent, come before it, showed:
// kept by value, the first intervals inline (a span has few calls), so
// that remembering a call allocates nothing but the map's growth.
type earlyCalls struct {
	service string
	failed  bool
	n       uint8 // intervals in first
	first   [2]interval
	more    []interval
	extra   time.Duration // own time of internal children
	at      int64         // when the first came, Unix nanoseconds
}

// add keeps one call's interval.
func (c *earlyCalls) add(iv interval) {
	if int(c.n) < len(c.first) {
		c.first[c.n] = iv
		c.n++
		return
	}
	c.more = append(c.more, iv)
}

// appendTo appends the calls' intervals to dst.
func (c *earlyCalls) appendTo(dst []interval) []interval {
	return append(append(dst, c.first[:c.n]...), c.more...)
}

// earlyStore keeps early calls by their parent, in order of arrival.
type earlyStore struct {
	byKey map[spanKey]earlyCalls
	queue []spanKey
	// covers is adopt's scratch: one span's calls' intervals.
	covers []interval
	// was holds what adopt changed in the batch being counted, for
	// restore: the batch is shared with the summarizer, which counts
	// what its own batch showed.
	was []adopted
}

// adopted is a span's reading before adopt changed it.
type adopted struct {
	i           int
	failedChild bool
	self        time.Duration
}

// remember keeps s, a span of its service's own whose parent is not in
// its batch, under its parent.
func (t *Tracker) remember(s *spanInfo) {
	e := &t.early
	c, ok := e.byKey[s.parent]
	if !ok {
		if len(e.byKey) >= maxEarly {
			t.stats.EarlyOverflow++
			e.drop()
		}
		if e.byKey == nil {
			e.byKey = map[spanKey]earlyCalls{}
		}
		c = earlyCalls{service: s.service, at: t.now}
		e.queue = append(compactKeys(e.queue, e.byKey, maxEarly), s.parent)
	}
	c.failed = c.failed || s.failed
	if s.kind == ptrace.SpanKindInternal {
		c.extra += max(s.self, 0)
	}
	c.add(interval{s.start, s.start + int64(s.dur)})
	e.byKey[s.parent] = c
}

// adopt judges each server or consumer span of batch with the calls of
// its that came in an earlier batch: a failing call beneath it, and the
// time they cover, no longer its own. restore undoes it after counting.
func (t *Tracker) adopt(batch *Batch) {
	e := &t.early
	for len(e.queue) > 0 {
		k := e.queue[0]
		if c, ok := e.byKey[k]; ok {
			if t.now-c.at <= int64(earlyTTL) {
				break
			}
			delete(e.byKey, k)
		}
		e.queue = e.queue[1:]
	}
	if len(e.byKey) == 0 {
		e.queue = nil
		return
	}
	for i := range batch.spans {
		s := &batch.spans[i]
		if s.kind != ptrace.SpanKindServer && s.kind != ptrace.SpanKindConsumer {
			continue
		}
		k := spanKey{s.parent.trace, s.id}
		c, ok := e.byKey[k]
		if !ok || c.service != s.service {
			continue
		}
		delete(e.byKey, k)
		e.was = append(e.was, adopted{i, s.failedChild, s.self})
		s.failedChild = s.failedChild || c.failed
		covers := c.appendTo(e.covers[:0])
		for ch := s.child; ch != 0; ch = batch.spans[ch-1].sibling {
			sp := &batch.spans[ch-1]
			covers = append(covers, interval{sp.start, sp.start + int64(sp.dur)})
		}
		lo, hi := s.start, s.start+int64(s.dur)
		s.self = min(max(s.self-(cover(covers, lo, hi)-batch.covered(s))+c.extra, 0), s.dur)
		e.covers = covers
		t.stats.EarlyAdopted++
	}
}

// restore gives the batch's spans back the readings adopt changed.
func (t *Tracker) restore(batch *Batch) {
	for _, a := range t.early.was {
		s := &batch.spans[a.i]
		s.failedChild, s.self = a.failedChild, a.self
	}
	t.early.was = t.early.was[:0]
}

// drop forgets the oldest early calls (an adopted key is skipped).
func (e *earlyStore) drop() {
	for len(e.queue) > 0 {
		k := e.queue[0]
		e.queue = e.queue[1:]
		if _, ok := e.byKey[k]; ok {
			delete(e.byKey, k)
			return
		}
	}
}

// compactKeys bounds an arrival queue whose map drops keys out of order
// (an adopted or settled span): past twice the map's bound it keeps only
// the keys still in the map, in order, so the queue never outgrows it.
func compactKeys[V any](q []spanKey, m map[spanKey]V, bound int) []spanKey {
	if len(q) < 2*bound {
		return q
	}
	out := q[:0]
	for _, k := range q {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}
