package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestFlapWhichDiag prints, for each flapping alert's firing that ends in
// an incident holding other true incidents' alerts (the tally's
// "flapping firings grouped with others"), which firing of its alert it
// was, the rule that placed it (Placement), whether the alert led that
// incident when it last emitted, and its earlier episodes (on and off
// seconds); then counts by kind (EVAL_FLAPWHICH_DIAG=<family>|tuning;
// EVAL_TRACES for traces; 10s waits; tuning families only).
func TestFlapWhichDiag(t *testing.T) {
	tally := map[string]int{}
	for _, f := range diagFamilies(t, "EVAL_FLAPWHICH_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		flapEp := map[int]bool{}
		for ep, tid := range s.EpisodeTruth {
			flapEp[ep] = s.Truths[tid].Kind == "flapping"
		}
		w := &flapWhich{last: map[int]string{}, idx: map[int]int{}, changes: map[int][]time.Time{},
			at: map[alertscenario.Firing]string{}, root: map[string]string{}, inc: map[int]string{}}
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		cfg := engineConfig()
		cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
		opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid()}
		opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if flapEp[n.Episode] {
				w.ingested(e, n, fp)
			}
		}
		opts.Emitted = func(_ time.Time, evs []correlate.Event) {
			for _, ev := range evs {
				w.root[ev.Incident.ID] = ev.Incident.RootFingerprint
			}
		}
		opts.Traces = envTraceStream(t, s, f)
		out := Run(s, g, cfg, opts)
		truthsIn := map[string]map[int]bool{}
		for fi, id := range out.Firings {
			if truthsIn[id] == nil {
				truthsIn[id] = map[int]bool{}
			}
			truthsIn[id][s.EpisodeTruth[fi.Episode]] = true
		}
		for fi, id := range out.Firings {
			if !flapEp[fi.Episode] || len(truthsIn[id]) < 2 {
				continue
			}
			fp := s.EpisodeFP[fi.Episode]
			kind := w.at[fi]
			led := w.root[id] == fp
			fmt.Printf("%s ep%d grouped: %s led=%v\n", f.Spec.Name, fi.Episode, kind, led)
			k := strings.SplitN(kind, " |", 2)[0]
			tally[fmt.Sprintf("%s led=%v", k, led)]++
			tally[strings.SplitN(k, " [", 2)[0]]++
		}
	}
	printTally(tally)
}

type flapWhich struct {
	last    map[int]string
	idx     map[int]int
	changes map[int][]time.Time
	at      map[alertscenario.Firing]string
	root    map[string]string
	inc     map[int]string
}

func (w *flapWhich) ingested(e *correlate.Engine, n alertscenario.Notification, fp string) {
	if n.State == w.last[n.Episode] {
		return
	}
	w.last[n.Episode] = n.State
	w.changes[n.Episode] = append(w.changes[n.Episode], n.At)
	if n.State != "firing" {
		return
	}
	w.idx[n.Episode]++
	var eps strings.Builder
	ch := w.changes[n.Episode]
	for i := 1; i < len(ch); i++ {
		fmt.Fprintf(&eps, " %.0f", ch[i].Sub(ch[i-1]).Seconds())
	}
	inc := e.IncidentOf(fp)
	size, first := 0, ""
	if snap, ok := e.Incident(inc, n.At); ok {
		size = len(snap.Members)
		first = fmt.Sprintf(" incident first %+.0fs from its first firing", snap.FirstSeen.Sub(ch[0]).Seconds())
	}
	same := w.inc[n.Episode] == inc
	w.inc[n.Episode] = inc
	w.at[alertscenario.Firing{Episode: n.Episode, StartsAt: n.StartsAt}] = fmt.Sprintf("firing %d [%s] | size at firing %d; on/off s:%s;%s same as before=%v",
		w.idx[n.Episode], placementKind(e.Placement(fp, n.At)), size, eps.String(), first, same)
}

// placementKind cuts a Placement's counts and services off.
func placementKind(p string) string {
	for _, sep := range []string{" (", " [", ":"} {
		if i := strings.Index(p, sep); i > 0 {
			p = p[:i]
		}
	}
	return p
}

// TestRefireDiag counts, over every alert identity (fingerprint) that
// fires a second time after a resolution within flap.window (the first
// firing behaviour can tell from), by the true kind of that second
// firing and whether it is the same episode (a flap) or a new one (a
// recurrence: another fault or noise on the same alert): how long its
// first episode and its off period were, and whether the other alerts of
// the incident it was in followed it (changed state during its off
// period) or kept firing through it. A rule that reads behaviour at the
// second firing is only as good as this split
// (EVAL_REFIRE_DIAG=<family>|tuning; EVAL_TRACES; 10s waits).
func TestRefireDiag(t *testing.T) {
	tally := map[string]int{}
	for _, f := range diagFamilies(t, "EVAL_REFIRE_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		last := map[string]string{}
		changes := map[string][]time.Time{}
		firstEp := map[string]int{}
		mates := map[string][]string{} // at its first resolution: the other firing members
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		cfg := engineConfig()
		cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
		opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid()}
		opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if n.State == last[fp] {
				return
			}
			if _, ok := firstEp[fp]; !ok {
				firstEp[fp] = n.Episode
			}
			last[fp] = n.State
			changes[fp] = append(changes[fp], n.At)
			ch := changes[fp]
			snap, _ := e.Incident(e.IncidentOf(fp), n.At)
			switch len(ch) {
			case 2:
				for _, m := range snap.Firing {
					if m != fp {
						mates[fp] = append(mates[fp], m)
					}
				}
			case 3:
				if ch[2].Sub(ch[1]) > cfg.Flap.Window {
					return
				}
				kind := s.Truths[s.EpisodeTruth[n.Episode]].Kind
				if n.Episode != firstEp[fp] {
					kind += "(new episode)"
				}
				tally[fmt.Sprintf("%-22s %s", kind, refireMates(ch, mates[fp], changes))]++
				tally[fmt.Sprintf("%-22s on<=%s off<=%s", kind, durBucket(ch[1].Sub(ch[0])), durBucket(ch[2].Sub(ch[1])))]++
			}
		}
		opts.Traces = envTraceStream(t, s, f)
		Run(s, g, cfg, opts)
	}
	printTally(tally)
}

// refireMates says whether the alerts firing beside one at its first
// resolution (ch[1]) changed state before it fired again (ch[2]).
func refireMates(ch []time.Time, mates []string, changes map[string][]time.Time) string {
	followed, kept := 0, 0
	for _, m := range mates {
		moved := false
		for _, c := range changes[m] {
			if !c.Before(ch[1]) && !c.After(ch[2]) {
				moved = true
			}
		}
		if moved {
			followed++
		} else {
			kept++
		}
	}
	switch {
	case followed > 0:
		return "mates followed"
	case kept > 0:
		return "mates kept firing"
	}
	return "alone at resolution"
}

func durBucket(d time.Duration) string {
	for _, b := range []time.Duration{30e9, 60e9, 120e9, 300e9} {
		if d <= b {
			return fmt.Sprint(b)
		}
	}
	return "inf"
}
