package eval

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
)

// noiseProbe is one alert whose evidence the noise diagnostic reads: a
// noise alert in a fault's page, or a fault's own non-root alert.
type noiseProbe struct {
	ep      int
	noise   bool
	root    string
	faults  []string // services of the page's fault alerts
	label   string
	at      time.Time
	service string
}

// TestNoiseDiag reads the trace evidence behind each noise alert
// (unrelated, maintenance) that ends in a page a fault holds the most of
// (EVAL_NOISE_DIAG=<part of a family name>, EVAL_TRACES=1; tuning families
// only), and behind the fault's own alerts in that page for comparison:
// at the alert's onset and 10 s later, whether its service reads quiet
// (evidence.Quiet), errors originate there (Origin.Anomalous,
// Unexplained), latency does (SlowOrigin), it has 10 spans or more, and
// evidence.Link (0 unknown, 1 linked, 2 unlinked) from it to the fault's
// root, from the root to it, and linked to any fault alert's service of
// the page either way. A tracker of its own replays the family's trace
// stream (20 traces every 5 s, as the replay does). One line per noise
// alert with its graph relation (as TestBreakdown's), then the tallies.
func TestNoiseDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_NOISE_DIAG") {
		s, out := diagRun(t, f)
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		first := map[int]alertscenario.Notification{}
		for _, n := range s.Notifications {
			if _, ok := first[n.Episode]; !ok && n.State == "firing" {
				first[n.Episode] = n
			}
		}
		pageEps := map[string][]int{}
		for ep, p := range out.Assign {
			pageEps[p] = append(pageEps[p], ep)
		}
		var probes []noiseProbe
		for _, eps := range pageEps {
			owner := s.Truths[majority(s, eps)]
			var faults []string
			for _, ep := range eps {
				if s.Truths[s.EpisodeTruth[ep]].Kind == "fault" {
					faults = append(faults, first[ep].Service)
				}
			}
			for _, ep := range eps {
				tr := s.Truths[s.EpisodeTruth[ep]]
				switch {
				case (tr.Kind == "unrelated" || tr.Kind == "maintenance") && owner.Kind == "fault":
					how, lone, onset := noiseRelation(s, g, engineConfig().MaxHops, first, eps, ep)
					probes = append(probes, noiseProbe{ep: ep, noise: true, root: owner.Root, faults: faults,
						label: fmt.Sprintf("%s %s lone=%v %s ", tr.Kind, how, lone, onset), at: first[ep].At, service: first[ep].Service})
				case tr.Kind == "fault" && tr.ID == owner.ID && first[ep].Service != tr.Root:
					probes = append(probes, noiseProbe{ep: ep, root: tr.Root, faults: faults,
						label: fmt.Sprintf("member hops=%d", hopsTo(g, first[ep].Service, tr.Root)), at: first[ep].At, service: first[ep].Service})
				case tr.Kind == "fault" && tr.ID == owner.ID:
					probes = append(probes, noiseProbe{ep: ep, root: tr.Root, faults: faults,
						label: "root", at: first[ep].At, service: first[ep].Service})
				}
			}
		}
		sort.Slice(probes, func(i, j int) bool { return probes[i].at.Before(probes[j].at) })
		readProbes(s, f, probes)
	}
}

func readProbes(s *alertscenario.Scenario, f Family, probes []noiseProbe) {
	ts := alertscenario.NewTraceStream(s, 20, f.Spec.ErrorRate, f.Spec.Relay, f.Spec.Seed)
	ev := evidence.New(evidence.Config{})
	traced := s.Notifications[0].At.Add(-10 * time.Minute).Truncate(time.Second)
	tally := map[string]int{}
	type reading struct {
		p  noiseProbe
		at time.Time
		k  string
	}
	var rs []reading
	for _, p := range probes {
		rs = append(rs, reading{p, p.at, "onset"}, reading{p, p.at.Add(10 * time.Second), "+10s"})
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].at.Before(rs[j].at) })
	for _, r := range rs {
		for ; !traced.After(r.at); traced = traced.Add(5 * time.Second) {
			ev.Observe(ts.Tick(traced), traced)
		}
		n, T := r.p.service, r.at
		o := ev.Origin(n, T)
		lk := func(a, b string) int { return int(ev.Link(a, b, 3, T)) }
		anyL := 0
		for _, fs := range r.p.faults {
			if fs != n && (lk(n, fs) == 1 || lk(fs, n) == 1) {
				anyL = 1
			}
		}
		key := fmt.Sprintf("%s Q=%v O=%v U=%v SL=%v spans>=10=%v L(n>r)=%d L(r>n)=%d anyLinked=%d",
			r.k, ev.Quiet(n, T), o.Anomalous, ev.Unexplained(n, T), ev.SlowOrigin(n, T).Anomalous, o.Spans >= 10, lk(n, r.p.root), lk(r.p.root, n), anyL)
		if r.p.noise {
			fmt.Printf("NOISE ep%d %s svc=%s root=%s %s\n", r.p.ep, r.p.label, n, r.p.root, key)
			tally["noise "+key]++
		} else {
			tally[r.p.label+" "+key]++
		}
	}
	printTally(tally)
}
