package evidence

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// latency is what a series of durations says about speed: a decayed mean
// of the usual ones, and a window counting them and the slow ones. A
// service keeps two: its spans' durations (a service whose spans are slow
// beyond their baseline is not quiet, Tracker.Quiet, though nothing
// fails) and their self times (latency originating there, Tracker.Slow);
// an edge keeps one, of its calls as the caller timed them (slowness
// travelling along it, Tracker.Link).
type latency struct {
	usual
	win *window
	// slowMean is a decayed mean of the slow ones; exemplar the trace of
	// the last slow one.
	slowMean float64
	exemplar pcommon.TraceID
}

// usual is the decayed mean of a series' durations that were not slow,
// after latencyWarmup of them; the Summarizer keeps one per service and
// edge to count slow spans where it sees them.
type usual struct {
	mean float64 // nanoseconds
	seen uint32  // durations judged, up to latencyWarmup
	// learned counts the warm-up durations in the mean (those not
	// outliers, below).
	learned uint32
}

// slow judges d against the mean, and learns it unless it is slow. In the
// warm-up it reports nothing slow; from warmupGuard durations on, one that
// would be slow against the mean so far counts toward the warm-up but
// stays out of the mean: a slowdown that begins in the warm-up must not
// become the usual (an observer of a third of the traces warms up over
// three times as long as one seeing them all).
func (u *usual) slow(d time.Duration) bool {
	x := float64(d)
	if u.seen < latencyWarmup {
		u.seen++
		if u.learned < warmupGuard || !u.outlier(x) {
			u.learned++
			u.mean += (x - u.mean) / float64(u.learned)
		}
		return false
	}
	if u.outlier(x) {
		return true
	}
	u.mean += (x - u.mean) * meanAlpha
	return false
}

// outlier reports whether x (nanoseconds) is slow against the mean.
func (u *usual) outlier(x float64) bool {
	return x > slowFactor*u.mean && x-u.mean >= float64(slowFloor)
}

// A span is slow when it takes more than slowFactor times its mean and at
// least slowFloor more; the mean counts after latencyWarmup spans (the
// first warmupGuard of them learned whatever they take). Slow
// spans do not move the mean (a slowdown must not hide itself); a lasting
// one fades instead into the slow-rate baseline of the window
// (window.learnAll), over minutes.
const (
	slowFactor    = 5
	slowFloor     = 50 * time.Millisecond
	latencyWarmup = 20
	warmupGuard   = 5
	meanAlpha     = 0.05
)

func newLatency(buckets int) *latency {
	l := &latency{win: newWindow(buckets)}
	l.win.learnAll = true
	return l
}

// timed returns w's latency, made on first use.
func (w *window) timed(buckets int) *latency {
	if w.lat == nil {
		w.lat = newLatency(buckets)
	}
	return w.lat
}

// add counts one span of duration d of trace in bucket b and reports
// whether it was slow.
func (l *latency) add(b int64, d time.Duration, trace pcommon.TraceID, th thresholds) bool {
	slow := l.usual.slow(d)
	if slow {
		x := float64(d)
		if l.slowMean == 0 {
			l.slowMean = x
		}
		l.slowMean += (x - l.slowMean) * slowAlpha
		l.exemplar = trace
	}
	l.win.add(b, slow, th)
	return slow
}

// slowAlpha weighs a slow span in the slow ones' mean: recent ones count.
const slowAlpha = 0.1

// steady reports whether the spans are well observed and not slow beyond
// their baseline at bucket b: false when unknown.
func (l *latency) steady(b int64, th thresholds) bool {
	if l == nil || l.seen < latencyWarmup || l.win.sum(b, th).total < minCalls {
		return false
	}
	return !l.win.anomalous(b, th)
}

// anomalous reports whether the spans run slow beyond their baseline at
// bucket b (false when unknown). Unknown includes a baseline not yet
// learned: "slow" is judged against the service's own mean, and how many
// of its spans are that slow when nothing is wrong (a cache miss, a
// heavy-tailed handler: 15% of them in the e2e workload's cart) is only
// known once buckets have left the window. Until then the prior rate of
// errors, 1%, would call such a service a latency origin.
func (l *latency) anomalous(b int64, th thresholds) bool {
	return l != nil && l.seen >= latencyWarmup && l.win.learned() && l.win.anomalous(b, th)
}
