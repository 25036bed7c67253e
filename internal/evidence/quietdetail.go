package evidence

import (
	"fmt"
	"time"
)

// QuietDetail is QuietReading with the latency: what Quiet read of svc at now, for diagnostics: its
// spans in the window and how many ran slow, their slow-rate baseline,
// whether that baseline is learned, the same for its self times, and how
// many of its calls in and out are anomalous.
func (t *Tracker) QuietDetail(svc string, now time.Time) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	w := t.svc[svc]
	if w == nil {
		return "unseen"
	}
	s := w.sum(b, t.th)
	lat := func(l *latency) string {
		if l == nil {
			return "none"
		}
		c := l.win.sum(b, t.th)
		return fmt.Sprintf("%d/%d base=%.3f learned=%v seen=%d anom=%v mean=%s",
			c.bad, c.total, l.win.baseline, l.win.learned(), l.seen, l.anomalous(b, t.th), time.Duration(l.mean).Round(time.Millisecond))
	}
	in, out := 0, 0
	for _, e := range t.in[svc] {
		if t.edgeAnomalous(e, b) {
			in++
		}
	}
	for _, e := range t.out[svc] {
		if t.edgeAnomalous(e, b) {
			out++
		}
	}
	return fmt.Sprintf("spans=%d origins=%d dur[%s] self[%s] edges in %d/%d out %d/%d",
		s.total, s.bad, lat(w.lat), lat(w.self), in, len(t.in[svc]), out, len(t.out[svc]))
}
