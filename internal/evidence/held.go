package evidence

// A service's spans of one trace may reach the collector in two batches:
// an SDK's BatchSpanProcessor or a collector's batch processor closes a
// batch when it is full or its timeout passes, mid-trace. A server span
// whose outgoing calls went in the next batch is childless in its own:
// counted at once, its failure reads as beginning there (an origin) and
// its whole duration as its self time, and on a failing or slow path
// every caller reads as a root. Taking the count back when the children
// come (tried in the seventy-sixth pass) corrects the evidence after the
// engine has placed alerts by it.
//
// So the tracker holds the verdict instead, briefly: a server or consumer
// span that would count an origin or a slow self time, of a service whose
// own spans usually have calls beneath them, is not counted when it
// arrives. When a later batch brings more of its children (spans of the
// same service whose parent it is), it is judged with all of them, as if
// they had come in its batch; when the hold passes without them, it
// counts as it would have at once. Either way it counts in the bucket of
// its arrival. A span with some of its calls in its batch is held too: a
// cut may fall between its calls, and its self time then reads the calls
// in the next batch as its own. A leaf service's spans (childless as a
// rule) and spans that would count nothing are never held, nor are the
// spans of a service none of whose batches came cut within the window:
// a cut shows as a span whose parent, of its own service, is not in its
// batch. Whole traces, or each service's spans of a trace together, hold
// nothing and read as before.
//
// The hold is short (DefaultHold, 1s): a batch processor that closes a
// batch at its size sends the rest at once, and that is what the hold
// catches. A rest that comes an export interval later (5s) is not waited
// for: the seventy-seventh pass measured that holding the verdicts that
// long costs more than reading them wrong (generated latency storms,
// 0.811 -> 0.361), since the engine places alerts meanwhile without them.
// A reading releases what is due (lockAt), so the hold does not stretch
// to the next batch. The store is bounded (maxHeld); at the bound the
// oldest is counted as it would have been at once (Stats.HeldOverflow).

import (
	"cmp"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// maxHeld bounds the held spans: the failing or slow spans of a
// storm over one hold, at a large gateway's rate.
const maxHeld = 16384

// DefaultHold is how long a verdict waits for the rest of its span's
// calls: a batch closed at its size is followed at once by the next.
const DefaultHold = time.Second

// heldSpan is a span whose verdict waits.
type heldSpan struct {
	service string
	trace   pcommon.TraceID
	origin  bool // as counted at once
	start   int64
	dur     time.Duration
	// self and covered: its self time in its own batch, and the time its
	// children there cover.
	self, covered time.Duration
	b             int64 // the bucket it arrived in
	at            int64 // when it arrived, Unix nanoseconds
	// What its children say (here and in a later batch, settle):
	// whether one failed, the intervals they cover; extra is the own
	// time of its internal children in the later batch.
	failedChild bool
	covers      []interval
	extra       time.Duration
	touched     bool
}

// holds is the tracker's store of held spans, in order of arrival.
type holds struct {
	byKey map[spanKey]*heldSpan
	queue []spanKey
	// touched is settle's scratch: the held spans a batch's children reached.
	touched []spanKey
}

// hold learns whether s, a span of its service's own, had calls beneath
// it, and keeps its verdict for later when it would count something and
// its service's batches have been cut within the window (holdSpan).
func (t *Tracker) hold(s *spanInfo, origin bool, b int64) bool {
	w := t.svc[s.service]
	if w == nil {
		return false
	}
	had := 0.0
	if s.child != 0 {
		had = 1
	}
	w.calls += (had - w.calls) * callsAlpha
	if t.cfg.Hold < 0 || w.cut == 0 || b-w.cut >= int64(t.cfg.Buckets) || !t.wouldCount(w, s, origin) {
		return false
	}
	return t.holdSpan(s, origin, b)
}

// holdSpan keeps s's verdict for later and reports whether it did.
func (t *Tracker) holdSpan(s *spanInfo, origin bool, b int64) bool {
	h := &t.held
	k := spanKey{s.parent.trace, s.id}
	if _, ok := h.byKey[k]; ok {
		return false // a second copy (a retried batch) counts at once
	}
	if len(h.byKey) >= maxHeld {
		t.stats.HeldOverflow++
		t.releaseOldest()
	}
	if h.byKey == nil {
		h.byKey = map[spanKey]*heldSpan{}
	}
	p := &heldSpan{
		service: s.service, trace: s.parent.trace, origin: origin,
		start: s.start, dur: s.dur, self: s.self, failedChild: s.failedChild, b: b, at: t.now,
	}
	for c := s.child; c != 0; c = t.batch.spans[c-1].sibling {
		ch := &t.batch.spans[c-1]
		p.covers = append(p.covers, interval{ch.start, ch.start + int64(ch.dur)})
	}
	if len(p.covers) > 0 {
		p.covered = cover(p.covers, p.start, p.start+int64(p.dur))
	}
	h.byKey[k] = p
	h.queue = append(compactKeys(h.queue, h.byKey, maxHeld), k)
	t.stats.Held++
	return true
}

// wouldCount reports whether s would count an origin or a slow self time
// now, in a service whose own spans usually have calls beneath them
// (window.calls).
func (t *Tracker) wouldCount(w *window, s *spanInfo, origin bool) bool {
	if w.calls < callsUsual {
		return false
	}
	if origin {
		return true
	}
	return w.self != nil && w.self.seen >= latencyWarmup && w.self.outlier(float64(s.self))
}

// callsUsual: a service's own spans usually have calls beneath them when
// this share of them do (a decayed share, window.calls); callsAlpha
// weighs one span in it.
const (
	callsUsual = 0.5
	callsAlpha = 0.01
)

// settle judges the held spans whose children came in batch: each with
// all of them, as if they had come in its batch. It also marks the
// services whose batches are cut (window.cut): a span that is not a
// server or consumer span has its parent in its own service, exported
// by the same process; one whose parent is not in its batch was cut from
// it.
func (t *Tracker) settle(batch *Batch, b int64) {
	h := &t.held
	for i := range batch.spans {
		s := &batch.spans[i]
		if s.up != 0 || s.kind == ptrace.SpanKindServer || s.kind == ptrace.SpanKindConsumer ||
			s.parent.span.IsEmpty() {
			continue // a server or consumer span's parent is a caller's
		}
		if w := t.svc[s.service]; w != nil {
			w.cut = b
		}
		p, ok := h.byKey[s.parent]
		if !ok || p.service != s.service {
			if s.failed || s.dur >= earlyFloor {
				t.remember(s) // its span may come later (early.go)
			}
			continue
		}
		if s.failed {
			p.failedChild = true
		}
		if s.kind == ptrace.SpanKindInternal {
			p.extra += max(s.self, 0)
		}
		p.covers = append(p.covers, interval{s.start, s.start + int64(s.dur)})
		if !p.touched {
			p.touched = true
			h.touched = append(h.touched, s.parent)
		}
	}
	for _, k := range h.touched {
		p := h.byKey[k]
		delete(h.byKey, k)
		self := p.self - (cover(p.covers, p.start, p.start+int64(p.dur)) - p.covered) + p.extra
		t.addOrigin(p.service, true, p.origin && !p.failedChild, p.dur, min(max(self, 0), p.dur), p.trace, p.b)
		t.stats.HeldSettled++
	}
	h.touched = h.touched[:0]
}

// expire counts, as they would have counted at once, the held spans whose
// hold has passed by now (Unix nanoseconds).
func (t *Tracker) expire(now int64) {
	h := &t.held
	for len(h.queue) > 0 {
		p, ok := h.byKey[h.queue[0]]
		if !ok {
			h.pop() // settled
			continue
		}
		if now-p.at <= int64(t.cfg.Hold) {
			return
		}
		t.releaseOldest()
	}
}

// releaseOldest counts the oldest held span as it would have counted at
// once (a settled one is skipped).
func (t *Tracker) releaseOldest() {
	h := &t.held
	for len(h.queue) > 0 {
		k := h.pop()
		if p, ok := h.byKey[k]; ok {
			delete(h.byKey, k)
			t.addOrigin(p.service, true, p.origin, p.dur, p.self, p.trace, p.b)
			return
		}
	}
}

// cover is the time the intervals c cover within [lo, hi); it sorts c.
func cover(c []interval, lo, hi int64) time.Duration {
	var total int64
	cur := interval{lo, lo}
	slices.SortFunc(c, func(x, y interval) int { return cmp.Compare(x.start, y.start) })
	for _, iv := range c {
		from, to := max(iv.start, lo), min(iv.end, hi)
		if to <= from {
			continue
		}
		if from > cur.end {
			total += cur.end - cur.start
			cur = interval{from, to}
			continue
		}
		cur.end = max(cur.end, to)
	}
	return time.Duration(total + cur.end - cur.start)
}

// pop takes the oldest key off the queue.
func (h *holds) pop() spanKey {
	k := h.queue[0]
	h.queue = h.queue[1:]
	if len(h.queue) == 0 {
		h.queue = nil
	}
	return k
}

// lockAt locks the tracker for a reading at now, first counting the held
// spans whose hold has passed: a reading does not wait for the next batch.
func (t *Tracker) lockAt(now time.Time) {
	t.mu.Lock()
	if len(t.held.queue) > 0 {
		t.expire(now.UnixNano())
	}
}
