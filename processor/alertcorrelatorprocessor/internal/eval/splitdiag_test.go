package eval

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestSplitDiag (EVAL_SPLIT_DIAG=<part of a name>|tuning; EVAL_CONVENTION
// as for the others, flat or flatsev; EVAL_SEED, EVAL_PACE, EVAL_TRACES)
// reads every relation a new alert had at its first firing to a live
// incident it did not open (correlate.SplitDetail) and tallies, per class
// of relation by truth (a symptom of its own fault; a fault's root, or
// another fault's alert, relating to another fault's incident; noise),
// what severity's split decided and what else the storm showed then:
// onset against the dependency's, as a share of the onset window; the
// alerting services between them; the incident's services below and
// above the alert; its direct dependencies and callers alerting; its
// firings so far (ninety-third pass). EVAL_SPLIT_ROWS=1 prints each
// relation whose truth differs.
func TestSplitDiag(t *testing.T) {
	window := engineConfig().OnsetWindow
	tally := map[string]int{}
	for _, f := range diagFamilies(t, "EVAL_SPLIT_DIAG") {
		r := splitReplay(t, f, nil)
		// Reading the relations changes no placement.
		require.Equal(t, diagReplay(t, f).Assign, r.out.Assign, f.Spec.Name)
		first := firstNotifications(r.s)
		for _, row := range r.rows {
			tr := r.s.Truths[r.s.EpisodeTruth[row.ep]]
			n := first[row.ep]
			for _, d := range row.d {
				it, ok := r.truthOf(d.RootFP)
				if !ok {
					continue
				}
				cls := splitClass(tr, it, n, d)
				switch {
				case d.Joined && d.SevSplit:
					cls = "joined+split " + cls
				case d.Joined:
					cls = "joined " + cls
				case d.SevSplit:
					cls = "split " + cls
				default:
					continue
				}
				for _, k := range append(splitFeatures(d, window), "n") {
					tally[cls+" | "+k]++
				}
				if os.Getenv("EVAL_SPLIT_ROWS") != "" && !strings.Contains(cls, "right") {
					fmt.Printf("%s %s %d %s@%s -> inc of %s %d (root %s) %+v\n", f.Spec.Name, tr.Kind, tr.ID, n.Service,
						n.StartsAt.Sub(tr.Onset).Round(time.Second), it.Kind, it.ID, it.Root, d)
				}
			}
		}
	}
	printTally(tally)
}

// splitRow is one first firing's relations (correlate.SplitDetail).
type splitRow struct {
	ep int
	d  []correlate.CandDetail
}

// splitRun is a replay read by splitReplay.
type splitRun struct {
	s    *alertscenario.Scenario
	out  alertscenario.Outcome
	rows []splitRow
	fpEp map[string]int
}

// truthOf is the truth of the alert with fingerprint fp, as last seen.
func (r *splitRun) truthOf(fp string) (alertscenario.Truth, bool) {
	ep, ok := r.fpEp[fp]
	if !ok {
		return alertscenario.Truth{}, false
	}
	return r.s.Truths[r.s.EpisodeTruth[ep]], true
}

// splitReplay replays f as diagReplay does, reading each episode's first
// firing's relations before it is ingested, and marking which it joined
// after; placed, when set, is called then with them.
func splitReplay(t *testing.T, f Family, placed func(*splitRun, *correlate.Engine, alertscenario.Notification, string, []correlate.CandDetail)) *splitRun {
	r := &splitRun{fpEp: map[string]int{}}
	seen := map[int]bool{}
	var pending []correlate.CandDetail
	r.s = flatDraw(alertscenario.GenerateFamily(f.Spec))
	cfg, opts := diagSetup(t, r.s, f)
	opts.Before = func(e *correlate.Engine, n alertscenario.Notification, a correlate.Alert) {
		pending = nil
		if n.State == "firing" && !seen[n.Episode] {
			pending = e.SplitDetail(a, n.At)
		}
	}
	opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
		r.fpEp[fp] = n.Episode
		if n.State != "firing" || seen[n.Episode] {
			return
		}
		seen[n.Episode] = true
		e.JoinedNow(fp, pending)
		r.rows = append(r.rows, splitRow{n.Episode, pending})
		if placed != nil {
			placed(r, e, n, fp, pending)
		}
	}
	r.out = Run(r.s, learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed), cfg, opts)
	return r
}

// diagSetup is diagRunOn's configuration and options for s, without hooks.
func diagSetup(t *testing.T, s *alertscenario.Scenario, f Family) (correlate.Config, Options) {
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	severityReaders(t, &cfg)
	return cfg, Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid(), Traces: envTraceStream(t, s, f)}
}

// diagReplay is f's replay as diagRun makes it.
func diagReplay(t *testing.T, f Family) alertscenario.Outcome {
	_, out := diagRun(t, f)
	return out
}

func splitClass(tr, it alertscenario.Truth, n alertscenario.Notification, d correlate.CandDetail) string {
	rel := "symptom"
	if !d.Symptom {
		rel = "takeover"
	} else if d.Hops == 0 {
		rel = "same"
	}
	switch {
	case tr.Kind == "fault" && it.Kind == "fault" && tr.ID == it.ID:
		return "right " + rel
	case tr.Kind == "fault" && n.Service == tr.Root:
		return "wrong " + rel + " (other fault's root)"
	case tr.Kind == "fault":
		return "wrong " + rel + " (other fault's alert)"
	}
	return "wrong " + rel + " (" + tr.Kind + ")"
}

func splitFeatures(d correlate.CandDetail, window time.Duration) []string {
	gap := "gap<0"
	switch r := float64(d.GapDep) / float64(window); {
	case r < 0:
	case r < 1.0/12:
		gap = "gap<w/12"
	case r < 0.25:
		gap = "gap<w/4"
	case r < 0.5:
		gap = "gap<w/2"
	default:
		gap = "gap>=w/2"
	}
	frac := func(a, b int) string {
		switch {
		case b == 0:
			return "-"
		case a == 0:
			return "0"
		case a == b:
			return "all"
		}
		return "some"
	}
	return []string{
		fmt.Sprintf("sevsplit=%v", d.SevSplit),
		fmt.Sprintf("hops=%d", d.Hops),
		gap,
		"mid=" + frac(d.Mid, d.MidAll),
		"below=" + frac(d.Below, d.Services),
		"above=" + frac(d.Above, d.Services),
		"deps=" + frac(d.DepsAlert, d.Deps),
		"callers=" + frac(d.CallersAlert, d.Callers),
		fmt.Sprintf("fired=%d", min(d.Fired, 3)),
		"earlier=" + frac(d.Earlier, d.Members),
		fmt.Sprintf("members=%d", min(d.Members, 3)),
		fmt.Sprintf("m2 rootfirst=%v afterlast>spread=%v afterlast>w/4=%v", d.Members > 1 && d.RootFirst, d.Members > 1 && d.AfterLast > d.Spread, d.Members > 1 && d.AfterLast > window/4),
		strings.Join([]string{fmt.Sprintf("hops=%d", d.Hops), gap, "mid=" + frac(d.Mid, d.MidAll)}, ","),
	}
}
