package evidence

import "time"

// latency is what a service's spans say about its speed: a decayed mean
// of its span durations, and a window counting its spans and the slow
// ones. It makes the one judgment failures alone cannot: a service whose
// spans are slow beyond its baseline is not quiet, though nothing fails
// (Tracker.Quiet). Latency does not decide origins or links.
type latency struct {
	win  *window
	mean float64 // nanoseconds
	seen uint32  // spans in the mean, up to latencyWarmup
}

// A span is slow when it takes more than slowFactor times its service's
// mean and at least slowFloor more; the mean counts after latencyWarmup
// spans. Slow spans do not move the mean (a slowdown must not hide itself);
// a lasting one fades instead into the slow-rate baseline of the window
// (window.learnAll), over minutes.
const (
	slowFactor    = 5
	slowFloor     = 50 * time.Millisecond
	latencyWarmup = 20
	meanAlpha     = 0.05
)

// add counts one span of duration d in bucket b.
func (l *latency) add(b int64, d time.Duration, th thresholds) {
	x := float64(d)
	slow := l.seen >= latencyWarmup && x > slowFactor*l.mean && x-l.mean >= float64(slowFloor)
	if l.seen < latencyWarmup {
		l.seen++
		l.mean += (x - l.mean) / float64(l.seen)
	} else if !slow {
		l.mean += (x - l.mean) * meanAlpha
	}
	l.win.add(b, slow, th)
}

// steady reports whether the service's spans are well observed and not
// slow beyond their baseline at bucket b: false when unknown.
func (l *latency) steady(b int64, th thresholds) bool {
	if l == nil || l.seen < latencyWarmup || l.win.sum(b, th).total < minCalls {
		return false
	}
	return !l.win.anomalous(b, th)
}
