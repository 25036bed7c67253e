package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestQuietDiag (EVAL_QUIET_DIAG=<part of a family name>|tuning; with
// EVAL_TRACES=1) reads, at each alert's first firing, whether the spans
// show its service quiet (evidence.Quiet, as the correlator asks it), and
// tallies the readings by the alert's truth: a fault's root, its callers
// one hop or farther away, by fault kind (errors or latency), and noise.
// For a fault's alert read quiet it prints what Quiet saw
// (evidence.QuietReading): spans, slow spans of their durations and self
// times against their baselines, anomalous calls in and out.
func TestQuietDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_QUIET_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		ts := envTraceStream(t, s, f)
		if ts == nil {
			t.Skip("set EVAL_TRACES=1")
		}
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		kindAt := func(root string, at time.Time) string {
			k := "errors"
			for _, fl := range s.Faults {
				if fl.Root == root && !at.Before(fl.From.Add(-time.Minute)) && at.Before(fl.To) && fl.Kind == alertscenario.FaultLatency {
					k = "latency"
				}
			}
			return k
		}
		type later struct {
			svc, role string
			at        time.Time
			next      int // index into laterReads
		}
		var pending []later
		tk := evidence.New(EvidenceConfig())
		seen := map[int]bool{}
		tally := map[string]int{}
		fmt.Println("==", f.Spec.Name)
		opts := Options{ServiceLabel: f.ServiceLabel, FixedGrid: fixedGrid(), Traces: ts, Evidence: tk}
		opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if seen[n.Episode] || n.State != "firing" {
				return
			}
			seen[n.Episode] = true
			tr := s.Truths[s.EpisodeTruth[n.Episode]]
			q := tk.Quiet(n.Service, n.At)
			role := tr.Kind
			if tr.Kind == "fault" {
				role = fmt.Sprintf("%s fault, %s", kindAt(tr.Root, n.At), quietRole(g, n.Service, tr.Root))
			}
			tally[fmt.Sprintf("%s: quiet=%v", role, q)]++
			if q {
				pending = append(pending, later{svc: n.Service, role: role, at: n.At})
			}
			if q && tr.Kind == "fault" {
				line := fmt.Sprintf("QUIET t=%s %s (%s, root %s) %s | root: quiet=%v %s", n.At.Sub(s.Notifications[0].At).Round(1e9), n.Service, role, tr.Root,
					tk.QuietReading(n.Service, n.At), tk.Quiet(tr.Root, n.At), tk.QuietReading(tr.Root, n.At))
				fmt.Println(line)
				tally[fmt.Sprintf("%s quiet: %s", role, quietWhy(line))]++
			}
		}
		opts.Advanced = func(_ *correlate.Engine, now time.Time) {
			keep := pending[:0]
			for _, p := range pending {
				for p.next < len(laterReads) && !now.Before(p.at.Add(laterReads[p.next])) {
					tally[fmt.Sprintf("read quiet at onset, %s: still quiet %s later=%v", p.role, laterReads[p.next], tk.Quiet(p.svc, now))]++
					p.next++
				}
				if p.next < len(laterReads) {
					keep = append(keep, p)
				}
			}
			pending = keep
		}
		Run(s, g, engineConfig(), opts)
		printTally(tally)
	}
}

// laterReads are when TestQuietDiag reads an alert's service again after
// it read quiet at the alert's first firing.
var laterReads = []time.Duration{15 * time.Second, 30 * time.Second, time.Minute}

// quietRole names svc's place in a fault rooted at root.
func quietRole(g interface {
	Hops(from, to string, max int) (int, bool)
}, svc, root string) string {
	if svc == root {
		return "root"
	}
	if h, ok := g.Hops(svc, root, 4); ok {
		if h == 1 {
			return "direct caller"
		}
		return "caller 2+ hops"
	}
	return "not a caller"
}

// quietWhy sums a quiet line up: whether the alert's service saw any
// slow spans, and whether the root read quiet too.
func quietWhy(line string) string {
	svc, root, _ := strings.Cut(line, "| root:")
	slow := "no slow spans"
	if !strings.Contains(svc, "dur[0/") {
		slow = "some slow spans"
	}
	return fmt.Sprintf("%s, root quiet=%v", slow, strings.Contains(root, "quiet=true"))
}
