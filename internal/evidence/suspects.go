package evidence

// A service's spans of one trace may reach the collector in two batches:
// an SDK's batch closes when it is full or its timeout passes, mid-trace.
// A server span whose outgoing calls went in the next batch looks, in its
// own, like a span with no children: a failure read as beginning there
// (an origin) and its whole duration as its self time. In a storm every
// caller on a failing or slow path then reads as a root. The tracker
// keeps such suspects, recent childless spans that counted an origin or
// a slow self time, and takes the count back when a later batch brings a
// child of the same service that explains it: a failing child explains
// the failure, a child covering at least half the self time explains the
// slowness. The store holds at most maxSuspects spans and forgets those
// older than the window (overflow counted: Stats.SuspectOverflow).

import (
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// maxSuspects bounds the store: a few seconds of a storm's failing or slow
// childless spans at a large gateway's rate.
const maxSuspects = 16384

type suspect struct {
	service string
	b       int64 // the bucket the span counted in
	self    time.Duration
	origin  bool // counted an origin
	slow    bool // counted a slow self time
}

type suspects struct {
	held  map[spanKey]*suspect
	queue []spanKey // insertion order, for the bound and the expiry
}

// suspect keeps s when it counted, childless, an origin or a slow self
// time in bucket b.
func (t *Tracker) suspect(s *spanInfo, b int64) {
	origin := s.failed && !s.failedChild
	if s.child != 0 || (!origin && !t.selfSlow) ||
		s.kind != ptrace.SpanKindServer && s.kind != ptrace.SpanKindConsumer {
		return
	}
	st := &t.suspects
	st.expire(b - int64(t.cfg.Buckets))
	if len(st.held) >= maxSuspects {
		t.stats.SuspectOverflow++
		st.dropOldest()
	}
	if st.held == nil {
		st.held = map[spanKey]*suspect{}
	}
	k := spanKey{s.parent.trace, s.id}
	st.held[k] = &suspect{service: s.service, b: b, self: s.self, origin: origin, slow: t.selfSlow}
	st.queue = append(st.queue, k)
}

// explainLater takes back what s's parent counted when s, a span of the
// same service whose parent was in an earlier batch, explains it.
func (t *Tracker) explainLater(s *spanInfo) {
	if s.up != 0 || len(t.suspects.held) == 0 {
		return
	}
	p, ok := t.suspects.held[s.parent]
	if !ok || p.service != s.service {
		return
	}
	w := t.svc[p.service]
	if w == nil {
		return
	}
	if p.origin && s.failed {
		p.origin = false
		if w.retract(p.b) {
			t.stats.Explained++
		}
	}
	if p.slow && s.dur*2 >= p.self && w.self != nil {
		p.slow = false
		if w.self.win.retract(p.b) {
			t.stats.Explained++
		}
	}
}

// expire forgets suspects counted before bucket oldest: their bucket has
// left the window.
func (st *suspects) expire(oldest int64) {
	for len(st.queue) > 0 {
		p, ok := st.held[st.queue[0]]
		if ok && p.b >= oldest {
			return
		}
		st.dropOldest()
	}
}

func (st *suspects) dropOldest() {
	delete(st.held, st.queue[0])
	st.queue = st.queue[1:]
	if len(st.queue) == 0 {
		st.queue = nil
	}
}

// retract takes one failing (or slow) event back from bucket b, when b is
// still in the window.
func (w *window) retract(b int64) bool {
	n := int64(len(w.buckets))
	if b > w.epoch || b <= w.epoch-n {
		return false
	}
	c := &w.buckets[b%n]
	if c.bad == 0 {
		return false
	}
	c.bad--
	return true
}
