package evidence

import (
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// Slowness is what the window says about latency originating in a
// service: its spans whose self time (their duration less their calls)
// ran slow beyond the service's usual (latency.go).
type Slowness struct {
	Spans, Slow int
	Rate        float64 // Slow / Spans in the window
	Baseline    float64
	Anomalous   bool
	// Usual is the mean self time of the spans not slow; SlowMean the
	// recent mean of the slow ones.
	Usual, SlowMean time.Duration
	Exemplar        string // trace ID (hex) of a recent slow span
}

// Slow returns the service's self-time window at now.
func (t *Tracker) Slow(svc string, now time.Time) Slowness { return t.slowness(svc, now, true) }

// SlowOrigin is Slow without the exemplar and the means, and empty unless
// latency originates in svc at now: cheap enough to ask per alert.
func (t *Tracker) SlowOrigin(svc string, now time.Time) Slowness { return t.slowness(svc, now, false) }

func (t *Tracker) slowness(svc string, now time.Time, full bool) Slowness {
	t.lockAt(now)
	defer t.mu.Unlock()
	w := t.svc[svc]
	if w == nil || w.self == nil {
		return Slowness{}
	}
	b, l := bucketOf(now, t.cfg.Bucket), w.self
	anomalous := l.anomalous(b, t.th)
	if !full && !anomalous {
		return Slowness{}
	}
	s := l.win.sum(b, t.th)
	out := Slowness{Spans: int(s.total), Slow: int(s.bad), Baseline: l.win.baseline, Anomalous: anomalous}
	if s.total > 0 {
		out.Rate = float64(s.bad) / float64(s.total)
	}
	if full {
		out.Usual, out.SlowMean = time.Duration(l.mean), time.Duration(l.slowMean)
		if l.exemplar != ([16]byte{}) {
			out.Exemplar = hex.EncodeToString(l.exemplar[:])
		}
	}
	return out
}

// Explain returns the one-line evidence for root among the alerting
// services, and an exemplar trace of it: where errors originate in root,
// errors; else where latency does, latency. Callers of root among the
// alerting services are counted by whether failures or slowness travel
// from them to root (Link). Both empty when the traces show neither.
func (t *Tracker) Explain(root string, alerting []string, maxHops int, now time.Time) (line, exemplar string) {
	var what, verb string
	if o := t.Origin(root, now); o.Anomalous {
		line = fmt.Sprintf("errors originate in %s: %.0f%% of its spans fail with no failing child (baseline %.1f%%)",
			root, 100*o.Rate, 100*o.Baseline)
		what, verb, exemplar = "errors", "pass", o.Exemplar
	} else if sl := t.Slow(root, now); sl.Anomalous {
		times := "" // unknown where summaries brought the counts
		if sl.Usual > 0 && sl.SlowMean > 0 {
			times = fmt.Sprintf("self time %s usually, %s in the slow ones; ", roundDur(sl.Usual), roundDur(sl.SlowMean))
		}
		line = fmt.Sprintf("latency originates in %s: %.0f%% of its spans run slow on their own (%sbaseline %.1f%%)",
			root, 100*sl.Rate, times, 100*sl.Baseline)
		what, verb, exemplar = "slowness", "passes", sl.Exemplar
	} else {
		return "", ""
	}
	callers, through := 0, 0
	for _, s := range alerting {
		if s == root || !t.Known(s, now) {
			continue
		}
		callers++
		if t.Link(s, root, maxHops, now) == Linked {
			through++
		}
	}
	if callers > 0 {
		line += fmt.Sprintf("; %d of %d alerting services' %s %s through %s", through, callers, what, verb, root)
	}
	return line, exemplar
}

// roundDur shows d to the millisecond (to 0.1 ms under 10 ms).
func roundDur(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// QuietReading is a diagnostic: what Quiet read of svc at now, as one
// line: its spans in the window and its own failures against their
// baseline, its spans' durations and self times (slow of all, baseline,
// whether learned, mean), and the anomalous edges out of and into it
// (sorted, of all its edges).
func (t *Tracker) QuietReading(svc string, now time.Time) string {
	t.lockAt(now)
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	w := t.svc[svc]
	if w == nil {
		return "unseen"
	}
	s := w.sum(b, t.th)
	return fmt.Sprintf("spans=%d bad=%d base=%.4f anomalous=%v steady=%v dur[%s] self[%s] out=%v of %d in=%v of %d",
		s.total, s.bad, w.baseline, w.anomalous(b, t.th), w.lat.steady(b, t.th),
		t.latencyReading(w.lat, b), t.latencyReading(w.self, b),
		t.anomalousEdges(t.out[svc], b), len(t.out[svc]), t.anomalousEdges(t.in[svc], b), len(t.in[svc]))
}

// latencyReading is one latency window for QuietReading.
func (t *Tracker) latencyReading(l *latency, b int64) string {
	if l == nil {
		return "none"
	}
	c := l.win.sum(b, t.th)
	return fmt.Sprintf("%d/%d base=%.3f learned=%v seen=%d anom=%v mean=%s",
		c.bad, c.total, l.win.baseline, l.win.learned(), l.seen, l.anomalous(b, t.th), time.Duration(l.mean).Round(time.Millisecond))
}

// anomalousEdges lists, sorted, the anomalous edges of one side of a
// service for QuietReading.
func (t *Tracker) anomalousEdges(edges map[string]*window, b int64) []string {
	var out []string
	for peer, e := range edges {
		if t.edgeAnomalous(e, b) {
			out = append(out, fmt.Sprintf("%s(err=%v slow=%v)", peer, e.anomalous(b, t.th), e.lat.anomalous(b, t.th)))
		}
	}
	slices.Sort(out)
	return out
}
