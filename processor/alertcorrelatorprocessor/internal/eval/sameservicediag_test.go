package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestSameServiceDiag (EVAL_SAMESVC_DIAG=<part of a family name>|tuning;
// EVAL_SEED for other draws, EVAL_TRACES=1 for the spans' readings)
// counts the fault alerts paged with an earlier alert of another truth on
// their own service (the same-service relation, match.go, joins a
// service's further alerts to the incident it already alerts in, whatever
// their onset), by the earlier truth's kind and by what the spans read of
// the service at each alert's first firing: quiet (evidence.Quiet) and an
// origin of errors (evidence.Origin Anomalous). With the false pairs those
// pages hold, it says what the relation costs where two troubles meet on
// one service (eightieth pass). 10s waits, as TestQuickScore.
func TestSameServiceDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_SAMESVC_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		tk := evidence.New(EvidenceConfig())
		type reading struct {
			at                    time.Time
			quiet, origin, stayed bool
		}
		read := map[int]reading{}
		var pending []int // episodes read quiet at their first firing
		opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid(), Traces: envTraceStream(t, s, f), Evidence: tk}
		opts.Ingested = func(_ *correlate.Engine, n alertscenario.Notification, _ string) {
			if _, ok := read[n.Episode]; ok || n.State != "firing" {
				return
			}
			read[n.Episode] = reading{n.At, tk.Quiet(n.Service, n.At), tk.Origin(n.Service, n.At).Anomalous, false}
			if read[n.Episode].quiet {
				pending = append(pending, n.Episode)
			}
		}
		// stayed: still quiet one evidence window after its first firing
		// (read once a tick while it waits; a reading other than quiet
		// ends the wait).
		svc := firstNotifications(s)
		opts.Advanced = func(_ *correlate.Engine, now time.Time) {
			keep := pending[:0]
			for _, ep := range pending {
				r := read[ep]
				switch {
				case !tk.Quiet(svc[ep].Service, now):
				case now.Sub(r.at) >= tk.Window():
					r.stayed = true
					read[ep] = r
				default:
					keep = append(keep, ep)
				}
			}
			pending = keep
		}
		cfg := engineConfig()
		cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9 // as diagRun
		out := Run(s, g, cfg, opts)
		first := svc
		tally := map[string]int{}
		for ep, page := range out.Assign {
			tr := s.Truths[s.EpisodeTruth[ep]]
			if tr.Kind != "fault" {
				continue
			}
			for ep2, page2 := range out.Assign {
				tr2 := s.Truths[s.EpisodeTruth[ep2]]
				if page2 != page || tr2.ID == tr.ID || first[ep2].Service != first[ep].Service || !read[ep2].at.Before(read[ep].at) {
					continue
				}
				role := "symptom"
				if first[ep].Service == tr.Root {
					role = "root"
				}
				tally[fmt.Sprintf("fault %s alert after a %s alert on its service: earlier quiet=%v (a window on: %v) origin=%v; now quiet=%v origin=%v",
					role, tr2.Kind, read[ep2].quiet, read[ep2].stayed, read[ep2].origin, read[ep].quiet, read[ep].origin)]++
				break
			}
		}
		sc := alertscenario.Evaluate(s, out)
		fmt.Printf("== %s F1=%.3f\n", f.Spec.Name, sc.F1)
		printTally(tally)
	}
}
