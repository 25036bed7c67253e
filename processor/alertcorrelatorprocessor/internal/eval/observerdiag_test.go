package eval

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/summaryconv"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestObserverDiag (ninety-seventh pass) replays a tuning family with
// per-service batches through EVAL_OBSERVER_DIAG_K observers' (default 3)
// 10 s summaries and reads, for each alert's first firing, the tracker's
// timeline of its onset (the tracker is fed by the replay alone, so the
// timeline is the same whatever the correlator decides):
//   - when its service's Through first reached the onset (the release of
//     a waiting alert, spanwait.go) and when every observer had sent a
//     summary through it (Options.SummarySent): how many alerts are
//     released while another replica's share of the onset is still on
//     its way, and how much sooner;
//   - how late the onset reads: the end of the first summary holding the
//     service through the onset, less the onset, and whether its counts
//     land in a later evidence bucket than the onset's own.
//
// EVAL_OBSERVER_DIAG=<part of a family name>|tuning; EVAL_SEED applies;
// EVAL_SUMMARY must be unset.
func TestObserverDiag(t *testing.T) {
	fams := diagFamilies(t, "EVAL_OBSERVER_DIAG")
	if os.Getenv("EVAL_SUMMARY") != "" {
		t.Skip("EVAL_SUMMARY must be unset: the diagnostic sets the summaries itself")
	}
	sum := Summaries{Interval: 10 * time.Second, Observers: 3}
	if v := os.Getenv("EVAL_OBSERVER_DIAG_K"); v != "" {
		sum.Observers, _ = strconv.Atoi(v)
	}
	t.Setenv("EVAL_TRACES", "1")
	t.Setenv("EVAL_BATCH", "service")
	for _, f := range fams {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		tally := observerTimeline(t, f, s, sum)
		fmt.Printf("%s: %d observers\n", f.Spec.Name, max(1, sum.Observers))
		printTally(tally)
	}
}

// onsetWatch is one first firing whose onset the timeline follows.
type onsetWatch struct {
	svc          string
	onset, first time.Time // the alert's onset; its arrival
	svcAt, allAt time.Time // when Through(svc), every observer reached the onset
	// svcEnd: Through(svc) at svcAt, the end of the summary that took it
	// past the onset (a later one's when it had already at the arrival)
	svcEnd time.Time
}

// observerTimeline replays f's scenario s through sum's observers and
// tallies each first firing's timeline (TestObserverDiag).
func observerTimeline(t *testing.T, f Family, s *alertscenario.Scenario, sum Summaries) map[string]int {
	tk := evidence.New(EvidenceConfig())
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	seen := map[int]bool{}
	var open []*onsetWatch
	tally := map[string]int{}
	ends := make([]time.Time, max(1, sum.Observers)) // each observer's newest summary end
	everyObserver := func() time.Time {
		oldest := ends[0]
		for _, e := range ends {
			if e.Before(oldest) {
				oldest = e
			}
		}
		return oldest
	}
	check := func(now time.Time) {
		keep := open[:0]
		for _, w := range open {
			if th := tk.Through(w.svc); w.svcAt.IsZero() && !th.IsZero() && !th.Before(w.onset) {
				w.svcAt, w.svcEnd = now, th
			}
			if ot := everyObserver(); w.allAt.IsZero() && !ot.IsZero() && !ot.Before(w.onset) {
				w.allAt = now
			}
			if (w.svcAt.IsZero() || w.allAt.IsZero()) && now.Sub(w.first) < 30*time.Second {
				keep = append(keep, w)
				continue
			}
			tallyOnset(tally, w)
		}
		open = keep
	}
	opts := Options{ServiceLabel: f.ServiceLabel, Evidence: tk, FixedGrid: fixedGrid(), Summaries: sum,
		SummarySent: func(i int, s summaryconv.Summary, _ time.Time) { ends[i] = s.End }}
	opts.Traces = envTraceStream(t, s, f)
	opts.Ingested = func(_ *correlate.Engine, n alertscenario.Notification, _ string) {
		if seen[n.Episode] || n.State != "firing" {
			return
		}
		seen[n.Episode] = true
		open = append(open, &onsetWatch{svc: n.Service, onset: n.StartsAt, first: n.At})
		check(n.At)
	}
	opts.Advanced = func(_ *correlate.Engine, now time.Time) { check(now) }
	Run(s, learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed), cfg, opts)
	return tally
}

// tallyOnset counts one first firing's timeline.
func tallyOnset(tally map[string]int, w *onsetWatch) {
	tally["alerts"]++
	switch {
	case w.svcAt.IsZero():
		tally["service's Through never reached the onset within 30 s"]++
		return
	case w.allAt.IsZero():
		tally["every observer never reached the onset within 30 s"]++
		return
	}
	early := w.allAt.Sub(w.svcAt)
	switch {
	case !w.svcAt.After(w.first) && !w.allAt.After(w.first):
		tally["at arrival: Through and every observer past the onset"]++
	case !w.svcAt.After(w.first):
		tally["at arrival: Through past the onset, an observer behind (placed at once)"]++
	case early > 0:
		tally["at arrival: Through behind; it reached the onset before every observer (released early)"]++
	default:
		tally["at arrival: Through behind; every observer reached the onset with it or before"]++
	}
	if early > 0 {
		tally[fmt.Sprintf("every observer through the onset %d-%d s after Through", early/time.Second/3*3, early/time.Second/3*3+2)]++
	}
	// How late the onset reads: its counts land in the bucket of the end
	// of the summary holding it.
	late := w.svcEnd.Sub(w.onset) / time.Second
	tally[fmt.Sprintf("onset's counts at %d-%d s after it", late/5*5, late/5*5+4)]++
	bucket := int64(EvidenceConfig().Bucket)
	if w.svcEnd.UnixNano()/bucket > w.onset.UnixNano()/bucket {
		tally["onset's counts in a later bucket than the onset"]++
	}
}
