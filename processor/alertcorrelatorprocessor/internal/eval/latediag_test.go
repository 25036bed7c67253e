package eval

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestLateDiag (seventy-eighth pass) replays a tuning family twice with
// per-service batches, on time and with each batch a uniform 0..d late
// (EVAL_LATE_DIAG_D, default 10s; EVAL_DELIVERY_SEED draws the delays),
// and compares, alert by alert (each episode's first firing), what the
// evidence showed of its service and of the path to its truth's root at
// its placement and 10 s later, and where it was placed then (alone,
// with its own truth's alerts, with another truth's). Then it counts the
// alerts whose placement differs, by kind, and whether the late run's
// reading 10 s on matched the on-time run's reading at placement (a
// second look before paging would have seen what the on-time run saw).
// It also prints, per fault, the root named by its main page in each run,
// and (eighty-ninth pass) each alert's gap at its first firing between
// its onset and the newest end of its service's spans the tracker holds
// (evidence.Tracker.Through), counted by 5 s steps.
// EVAL_LATE_DIAG=<part of a family name>|tuning; EVAL_TRACES=1 and
// EVAL_BATCH=service are implied; EVAL_LATE must be unset.
func TestLateDiag(t *testing.T) {
	fams, d, seed := lateDiagSetup(t, "EVAL_LATE_DIAG")
	for _, f := range fams {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		on := lateReplay(t, f, s, g, Delivery{})
		late := lateReplay(t, f, s, g, Delivery{Late: d, Seed: seed})
		fmt.Printf("%s: on time %.3f/%.2f, late %s %.3f/%.2f\n", f.Spec.Name,
			on.score.F1, on.score.AC1, d, late.score.F1, late.score.AC1)
		compareLate(s, on, late)
		fmt.Printf("  engine stats on time: %+v\n  engine stats late:    %+v\n", on.stats, late.stats)
	}
}

// lateRead is one alert's reading at one moment.
type lateRead struct {
	ev    string // evidence of its service and its path to its root
	place string // alone | own | other | mixed
	gap   string // how far its service's spans lag its onset (evidence.Tracker.Through)
}

type lateRun struct {
	at    map[int][2]lateRead // episode -> at placement, 10 s later
	kind  map[int]string      // episode -> correlate.Engine.Placement kind
	out   alertscenario.Outcome
	score alertscenario.Score
	stats correlate.Stats
}

func lateReplay(t *testing.T, f Family, s *alertscenario.Scenario, g *topology.Graph, d Delivery) *lateRun {
	return lateReplayVia(t, f, s, g, d, Summaries{})
}

// lateReplayVia is lateReplay with the spans sent through observers'
// summaries when sum is on (TestSummaryDiag).
func lateReplayVia(t *testing.T, f Family, s *alertscenario.Scenario, g *topology.Graph, d Delivery, sum Summaries) *lateRun {
	r := &lateRun{at: map[int][2]lateRead{}, kind: map[int]string{}}
	tk := evidence.New(EvidenceConfig())
	cfg := engineConfig()
	cfg.GroupWait, cfg.ResolveHold, cfg.LowGroupWait = 10e9, 10e9, 20e9
	epOf := map[string]int{}
	type probe struct {
		ep, svc, fp string
		at          time.Time
	}
	var probes []probe
	read := func(e *correlate.Engine, ep int, svc, fp string, now time.Time) lateRead {
		return lateRead{ev: lateEvidence(tk, s, ep, svc, now), place: latePlace(e, s, epOf, ep, fp, now), gap: lateGap(tk, svc, s.Notifications[firstIndex(s, ep)].StartsAt)}
	}
	opts := Options{ServiceLabel: f.ServiceLabel, Evidence: tk, FixedGrid: fixedGrid(), Delivery: d, Summaries: sum}
	opts.Traces = envTraceStream(t, s, f)
	opts.Ingested = func(e *correlate.Engine, n alertscenario.Notification, fp string) {
		epOf[fp] = n.Episode
		if _, ok := r.at[n.Episode]; ok || n.State != "firing" {
			return
		}
		r.at[n.Episode] = [2]lateRead{read(e, n.Episode, n.Service, fp, n.At)}
		r.kind[n.Episode] = placeKind(e.Placement(fp, n.At))
		probes = append(probes, probe{strconv.Itoa(n.Episode), n.Service, fp, n.At})
	}
	opts.Advanced = func(e *correlate.Engine, now time.Time) {
		r.stats = e.Stats()
		for len(probes) > 0 && !now.Before(probes[0].at.Add(10*time.Second)) {
			p := probes[0]
			probes = probes[1:]
			ep, _ := strconv.Atoi(p.ep)
			x := r.at[ep]
			x[1] = read(e, ep, p.svc, p.fp, now)
			r.at[ep] = x
		}
	}
	r.out = Run(s, g, cfg, opts)
	r.score = alertscenario.Evaluate(s, r.out)
	return r
}

// lateGap buckets how far svc's spans lag the onset at: none, or the
// onset less the newest end of svc's own spans, in 5 s steps.
func lateGap(tk *evidence.Tracker, svc string, at time.Time) string {
	th := tk.Through(svc)
	if th.IsZero() {
		return "none"
	}
	d := at.Sub(th)
	switch {
	case d <= 0:
		return "<=0"
	case d <= 5*time.Second:
		return "0-5s"
	case d <= 10*time.Second:
		return "5-10s"
	case d <= 15*time.Second:
		return "10-15s"
	case d <= 30*time.Second:
		return "15-30s"
	}
	return ">30s"
}

// lateEvidence reads the tracker on svc and on the path from svc to its
// truth's root: O origin, U unexplained, S slow origin, Q quiet, n the
// window's spans in tens, L the link to the root (its own root: -).
func lateEvidence(tk *evidence.Tracker, s *alertscenario.Scenario, ep int, svc string, now time.Time) string {
	o := tk.Origin(svc, now)
	root := s.Truths[s.EpisodeTruth[ep]].Root
	link := "-"
	if root != "" && root != svc {
		link = strconv.Itoa(int(tk.Link(svc, root, 3, now)))
	}
	return fmt.Sprintf("O=%v U=%v S=%v Q=%v L=%s", b01(o.Anomalous), b01(tk.Unexplained(svc, now)),
		b01(tk.SlowOrigin(svc, now).Anomalous), b01(tk.Quiet(svc, now)), link)
}

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// latePlace is where ep's alert stands now: alone, with alerts of its own
// truth only, with another truth's only, or with both.
func latePlace(e *correlate.Engine, s *alertscenario.Scenario, epOf map[string]int, ep int, fp string, now time.Time) string {
	snap, ok := e.Incident(e.IncidentOf(fp), now)
	if !ok {
		return "none"
	}
	own, other := 0, 0
	for _, m := range snap.Members {
		o, ok := epOf[m]
		if !ok || m == fp {
			continue
		}
		if s.EpisodeTruth[o] == s.EpisodeTruth[ep] {
			own++
		} else {
			other++
		}
	}
	return company(own, other)
}

// compareLate prints the alerts whose placement differs, and the counts.
func compareLate(s *alertscenario.Scenario, on, late *lateRun) {
	tally := map[string]int{}
	eps := make([]int, 0, len(on.at))
	for ep := range on.at {
		eps = append(eps, ep)
	}
	sort.Ints(eps)
	for _, ep := range eps {
		a, b := on.at[ep], late.at[ep]
		kind := s.Truths[s.EpisodeTruth[ep]].Kind
		evDiff := a[0].ev != b[0].ev
		tally["alerts"]++
		tally["gap at placement, on time "+a[0].gap]++
		tally["gap at placement, late "+b[0].gap]++
		if evDiff {
			tally["evidence differs at placement"]++
			if b[1].ev == a[0].ev {
				tally["evidence differs at placement, late +10s = on time at placement"]++
			}
		}
		if a[0].place == b[0].place && on.kind[ep] == late.kind[ep] {
			continue
		}
		k := fmt.Sprintf("%s: %s -> %s", kind, a[0].place, b[0].place)
		tally["placed differently"]++
		tally["placed differently, late gap "+b[0].gap]++
		tally["placed differently, "+k]++
		tally[fmt.Sprintf("placed differently, rule %s -> %s", on.kind[ep], late.kind[ep])]++
		if evDiff {
			tally["placed differently, evidence differs"]++
		}
		if b[1].place == a[0].place {
			tally["placed differently, late +10s placement = on time"]++
		}
		if b[1].ev == a[0].ev {
			tally["placed differently, late +10s evidence = on time at placement"]++
		}
		fmt.Printf("  ep %d %s %s gap on %s late %s: on[%s | %s; +10s %s | %s] late[%s | %s; +10s %s | %s] place on=%q late=%q\n",
			ep, kind, s.Notifications[firstIndex(s, ep)].Service, a[0].gap, b[0].gap,
			a[0].place, a[0].ev, a[1].place, a[1].ev, b[0].place, b[0].ev, b[1].place, b[1].ev, on.kind[ep], late.kind[ep])
	}
	for _, ep := range eps {
		fo, fl := finalPlace(s, on.out, ep), finalPlace(s, late.out, ep)
		if fo == fl {
			continue
		}
		when := "later"
		switch a, b := on.at[ep], late.at[ep]; {
		case a[0].place != b[0].place:
			when = "at placement"
		case a[1].place != b[1].place:
			when = "by +10s"
		}
		tally[fmt.Sprintf("final differs (%s): %s %s -> %s", when, s.Truths[s.EpisodeTruth[ep]].Kind, fo, fl)]++
	}
	for _, tr := range s.Truths {
		if tr.Kind != "fault" {
			continue
		}
		ro, rl := topOf(on.out, s, tr.ID), topOf(late.out, s, tr.ID)
		if ro == rl {
			continue
		}
		tally[fmt.Sprintf("root differs: on %v late %v", ro == tr.Root, rl == tr.Root)]++
		fmt.Printf("  fault %d root %s: on names %s, late %s\n", tr.ID, tr.Root, ro, rl)
	}
	keys := make([]string, 0, len(tally))
	for k := range tally {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  %-70s %d\n", k, tally[k])
	}
}

func topOf(o alertscenario.Outcome, s *alertscenario.Scenario, id int) string {
	if r := o.Ranking[o.MainGroup(s, id)]; len(r) > 0 {
		return r[0]
	}
	return "(none)"
}

func firstIndex(s *alertscenario.Scenario, ep int) int {
	for i, n := range s.Notifications {
		if n.Episode == ep {
			return i
		}
	}
	return 0
}

// finalPlace is where ep ended: in no page, alone in its page, with its
// own truth's alerts only, another truth's only, or both.
func finalPlace(s *alertscenario.Scenario, o alertscenario.Outcome, ep int) string {
	g, ok := o.Assign[ep]
	if !ok {
		return "unpaged"
	}
	own, other := 0, 0
	for x, h := range o.Assign {
		if h != g || x == ep {
			continue
		}
		if s.EpisodeTruth[x] == s.EpisodeTruth[ep] {
			own++
		} else {
			other++
		}
	}
	return company(own, other)
}

// company names whom an alert shares its incident or page with: own
// alerts of its truth, other truths' alerts, both, or none.
func company(own, other int) string {
	switch {
	case own == 0 && other == 0:
		return "alone"
	case other == 0:
		return "own"
	case own == 0:
		return "other"
	}
	return "mixed"
}

// lateDiagSetup reads what both late diagnostics take: the families
// (env), the delay (EVAL_LATE_DIAG_D, default 10s) and the delivery seed;
// it sets traces and per-service batches on.
func lateDiagSetup(t *testing.T, env string) ([]Family, time.Duration, uint64) {
	fams := diagFamilies(t, env)
	if os.Getenv("EVAL_LATE") != "" {
		t.Skip("EVAL_LATE must be unset: the diagnostic sets the delay itself")
	}
	d := 10 * time.Second
	if v := os.Getenv("EVAL_LATE_DIAG_D"); v != "" {
		d, _ = time.ParseDuration(v)
	}
	seed, _ := strconv.ParseUint(os.Getenv("EVAL_DELIVERY_SEED"), 10, 64)
	t.Setenv("EVAL_TRACES", "1")
	t.Setenv("EVAL_BATCH", "service")
	return fams, d, seed
}
