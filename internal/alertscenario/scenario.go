// Package alertscenario generates alert-storm scenarios with known root causes and
// scores the alert_correlator against them (pages per incident, reduction,
// pairwise precision/recall/F1 of grouping, AC@1/AC@3 of the probable root,
// incidents missed), beside Alertmanager-style group_by grouping.
//
// Everything is seeded: the seeds and noise rates below were fixed before the
// correlator was tuned against them.
package alertscenario

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Topology is a service graph with the nodes no tracer instruments.
type Topology struct {
	Name     string
	Services map[string][]string // caller -> callees
	// Databases are leaves reached by client spans with db.system; Brokers
	// are reached by producer spans and deliver to their callees
	// (consumers). Both are uninstrumented.
	Databases map[string]string // name -> db.system
	Brokers   map[string]bool
	// Entry services receive user traffic.
	Entry []string
	// Faults are the candidate root services (the OTel demo's flagd faults
	// for the demo; every node for generated graphs).
	Faults []string
}

// Nodes returns every node, sorted.
func (t *Topology) Nodes() []string {
	seen := map[string]bool{}
	for a, bs := range t.Services {
		seen[a] = true
		for _, b := range bs {
			seen[b] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Callers returns who calls each node.
func (t *Topology) Callers() map[string][]string {
	in := map[string][]string{}
	for a, bs := range t.Services {
		for _, b := range bs {
			in[b] = append(in[b], a)
		}
	}
	for _, v := range in {
		slices.Sort(v)
	}
	return in
}

// Demo is the OTel demo's graph with its flagd fault roots (adFailure,
// adHighCpu, adManualGc -> ad; cartFailure, failedReadinessProbe -> cart;
// emailMemoryLeak -> email; imageSlowLoad -> image-provider;
// intlShippingSlowdown -> shipping; kafkaQueueProblems -> kafka;
// paymentFailure, paymentUnreachable -> payment; productCatalogFailure ->
// product-catalog; recommendationCacheFailure -> recommendation).
func Demo(services map[string][]string) *Topology {
	return &Topology{
		Name:      "otel-demo",
		Services:  services,
		Databases: map[string]string{"valkey": "redis"},
		Brokers:   map[string]bool{"kafka": true},
		Entry:     []string{"frontend-proxy"},
		Faults: []string{
			"ad", "ad", "ad", "cart", "cart", "email", "image-provider", "shipping",
			"kafka", "payment", "payment", "product-catalog", "recommendation",
		},
	}
}

// Generated builds a layered service graph of n nodes: a few entry
// services, middle tiers calling 1-4 services in deeper tiers, and
// databases as leaves (about one node in eight).
func Generated(n int, seed uint64) *Topology {
	rng := rand.New(rand.NewPCG(seed, 0x7e57))
	t := &Topology{
		Name:      fmt.Sprintf("generated-%d", n),
		Services:  map[string][]string{},
		Databases: map[string]string{},
		Brokers:   map[string]bool{},
	}
	dbs := max(1, n/8)
	svcs := n - dbs
	tiers := 5
	if n > 100 {
		tiers = 8
	}
	tierOf := make([]int, svcs)
	names := make([]string, svcs)
	entries := max(2, svcs/20)
	for i := range svcs {
		names[i] = fmt.Sprintf("svc-%03d", i)
		if i < entries {
			tierOf[i] = 0
		} else {
			tierOf[i] = 1 + (i-entries)*(tiers-1)/max(1, svcs-entries)
		}
	}
	dbNames := make([]string, dbs)
	systems := []string{"postgresql", "mysql", "redis", "mongodb"}
	for i := range dbs {
		dbNames[i] = fmt.Sprintf("db-%02d", i)
		t.Databases[dbNames[i]] = systems[i%len(systems)]
	}
	for i := range svcs {
		if tierOf[i] == 0 {
			t.Entry = append(t.Entry, names[i])
		}
		t.Services[names[i]] = drawCalls(rng, names, dbNames, tierOf, tiers, i)
	}
	for _, db := range dbNames {
		t.Services[db] = nil
	}
	t.Faults = t.Nodes()
	return t
}

// drawCalls draws service i's callees for Generated: 1-4 services in the
// next tier (now and then two tiers down), and a database for deep tiers
// or a service with nothing deeper.
func drawCalls(rng *rand.Rand, names, dbNames []string, tierOf []int, tiers, i int) []string {
	var calls []string
	var deeper []int
	for j := range tierOf {
		if tierOf[j] == tierOf[i]+1 || (tierOf[j] == tierOf[i]+2 && rng.IntN(4) == 0) {
			deeper = append(deeper, j)
		}
	}
	k := 1 + rng.IntN(4)
	for range k {
		if len(deeper) == 0 {
			break
		}
		j := deeper[rng.IntN(len(deeper))]
		if !slices.Contains(calls, names[j]) {
			calls = append(calls, names[j])
		}
	}
	if tierOf[i] >= tiers-2 && rng.IntN(2) == 0 || len(deeper) == 0 {
		calls = append(calls, dbNames[rng.IntN(len(dbNames))])
	}
	return calls
}

// Noise rates and timing, fixed before tuning.
type Noise struct {
	Faults         int
	MeanGap        time.Duration // between fault onsets
	OverlapProb    float64       // a fault starts 1-3 min after the previous one
	UnrelatedRatio float64       // unrelated single alerts per fault
	FlappingRatio  float64       // flapping alerts per fault
	PropagateProb  []float64     // a caller at hop h alerts with PropagateProb[h-1]
	EarlySymptom   float64       // a symptom fires before the root
	Repeat         time.Duration // repeat notifications of firing alerts
}

// DefaultNoise is the noise used in every reported scenario.
var DefaultNoise = Noise{
	Faults:         40,
	MeanGap:        12 * time.Minute,
	OverlapProb:    0.2,
	UnrelatedRatio: 0.5,
	FlappingRatio:  0.2,
	PropagateProb:  []float64{0.8, 0.5, 0.3},
	EarlySymptom:   0.3,
	Repeat:         time.Minute,
}

// Notification is one alert record as the correlator receives it.
type Notification struct {
	At       time.Time
	Service  string
	Rule     string
	Sev      string
	State    string
	StartsAt time.Time
	// Episode identifies the firing episode (one item for the pairwise
	// metrics); Truth is its true incident.
	Episode int
	// LabelSet, when set, is the alert's label set (a family's
	// convention); nil means alertname, service and severity.
	LabelSet map[string]string
}

// Fingerprint is the notification's alert identity.
func (n Notification) Fingerprint() string {
	return alertconv.Fingerprint(n.Labels())
}

// Labels of the notification's alert.
func (n Notification) Labels() map[string]string {
	if n.LabelSet != nil {
		return n.LabelSet
	}
	return map[string]string{"alertname": n.Rule, "service": n.Service, "severity": n.Sev}
}

// Truth is one true incident.
type Truth struct {
	ID    int
	Root  string // "" for noise
	Kind  string // fault, unrelated, flapping
	Onset time.Time
}

// Scenario is a replayable alert stream with ground truth.
type Scenario struct {
	Topology      *Topology
	Notifications []Notification // sorted by At
	Truths        []Truth
	EpisodeTruth  []int // episode -> truth id
	EpisodeFP     []string
	// Faults are the injected faults (families only), for their traces.
	Faults []Fault
}

var symptomRules = []string{"HighErrorRate", "HighLatency"}
var rootRules = []string{"ServiceDown", "HighErrorRate", "SaturationHigh"}

// Generate builds a scenario on t.
func Generate(t *Topology, noise Noise, seed uint64) *Scenario {
	g := &generator{
		rng:       rand.New(rand.NewPCG(seed, 0xa1e7)),
		s:         &Scenario{Topology: t},
		noise:     noise,
		callers:   t.Callers(),
		busyUntil: map[string]time.Time{},
	}
	nodes := t.Nodes()
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	at := start
	for f := range noise.Faults {
		if f > 0 {
			if g.rng.Float64() < noise.OverlapProb {
				at = at.Add(g.jitter(time.Minute, 3*time.Minute))
			} else {
				at = at.Add(g.jitter(noise.MeanGap/2, noise.MeanGap*3/2))
			}
		}
		g.fault(t.Faults[g.rng.IntN(len(t.Faults))], at)
	}
	end := at.Add(20 * time.Minute)
	span := end.Sub(start)
	for range int(float64(noise.Faults) * noise.UnrelatedRatio) {
		svc := nodes[g.rng.IntN(len(nodes))]
		on := start.Add(time.Duration(g.rng.Int64N(int64(span))))
		truth := g.truth(Truth{Kind: "unrelated", Root: svc, Onset: on})
		g.episode(truth.ID, svc, "DiskSpaceLow", "warning", on, on.Add(g.jitter(2*time.Minute, 10*time.Minute)))
	}
	for range int(float64(noise.Faults) * noise.FlappingRatio) {
		svc := nodes[g.rng.IntN(len(nodes))]
		on := start.Add(time.Duration(g.rng.Int64N(int64(span))))
		g.flapping(g.truth(Truth{Kind: "flapping", Root: svc, Onset: on}))
	}
	s := g.s
	slices.SortStableFunc(s.Notifications, func(a, b Notification) int { return a.At.Compare(b.At) })
	return s
}

// generator is Generate's state. busyUntil holds the active alert
// identities, so two episodes of one alert never overlap.
type generator struct {
	rng       *rand.Rand
	s         *Scenario
	noise     Noise
	callers   map[string][]string
	busyUntil map[string]time.Time
}

func (g *generator) jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)+1))
}

// truth records a true incident and returns it with its ID.
func (g *generator) truth(t Truth) Truth {
	t.ID = len(g.s.Truths)
	g.s.Truths = append(g.s.Truths, t)
	return t
}

// episode adds one firing episode of an alert (repeated every
// noise.Repeat, then resolved), unless the same alert is still firing or
// just resolved for another cause.
func (g *generator) episode(truth int, svc, rule, sev string, on, off time.Time) {
	s := g.s
	fp := alertconv.Fingerprint(map[string]string{"alertname": rule, "service": svc, "severity": sev})
	if g.busyUntil[fp].After(on.Add(-3 * time.Minute)) {
		return
	}
	g.busyUntil[fp] = off
	ep := len(s.EpisodeTruth)
	s.EpisodeTruth = append(s.EpisodeTruth, truth)
	s.EpisodeFP = append(s.EpisodeFP, fp)
	for r := on; r.Before(off); r = r.Add(g.noise.Repeat) {
		s.Notifications = append(s.Notifications, Notification{At: r, Service: svc, Rule: rule, Sev: sev, State: alertconv.StateFiring, StartsAt: on, Episode: ep})
	}
	s.Notifications = append(s.Notifications, Notification{At: off, Service: svc, Rule: rule, Sev: sev, State: alertconv.StateResolved, StartsAt: on, Episode: ep})
}

// fault adds a fault at root starting at: the root's alerts, then
// symptoms up the callers, hop by hop.
func (g *generator) fault(root string, at time.Time) {
	truth := g.truth(Truth{Root: root, Kind: "fault", Onset: at})
	dur := g.jitter(5*time.Minute, 15*time.Minute)
	rootOn := at.Add(g.jitter(0, 30*time.Second))
	early := g.rng.Float64() < g.noise.EarlySymptom
	if early {
		rootOn = at.Add(g.jitter(60*time.Second, 120*time.Second))
	}
	g.episode(truth.ID, root, rootRules[g.rng.IntN(len(rootRules))], "critical", rootOn, at.Add(dur))
	if g.rng.IntN(3) == 0 {
		g.episode(truth.ID, root, "HighLatency", "warning", rootOn.Add(g.jitter(0, 30*time.Second)), at.Add(dur))
	}
	walkCallers(g.rng, g.callers, root, g.noise.PropagateProb, func(c string, hop int) {
		on := at.Add(time.Duration(hop) * g.jitter(10*time.Second, 60*time.Second))
		if early && hop == 1 {
			on = at.Add(g.jitter(0, 30*time.Second))
		}
		off := at.Add(dur + g.jitter(0, 90*time.Second))
		g.episode(truth.ID, c, symptomRules[g.rng.IntN(len(symptomRules))], "warning", on, off)
	})
}

// flapping adds a flapping PodRestarting alert: 5-10 short firings.
func (g *generator) flapping(truth Truth) {
	s, svc, on := g.s, truth.Root, truth.Onset
	fp := alertconv.Fingerprint(map[string]string{"alertname": "PodRestarting", "service": svc, "severity": "warning"})
	if g.busyUntil[fp].After(on.Add(-3 * time.Minute)) {
		return
	}
	ep := len(s.EpisodeTruth)
	s.EpisodeTruth = append(s.EpisodeTruth, truth.ID)
	s.EpisodeFP = append(s.EpisodeFP, fp)
	r := on
	for range 5 + g.rng.IntN(6) {
		s.Notifications = append(s.Notifications, Notification{At: r, Service: svc, Rule: "PodRestarting", Sev: "warning", State: alertconv.StateFiring, StartsAt: r, Episode: ep})
		r = r.Add(g.jitter(20*time.Second, 90*time.Second))
		s.Notifications = append(s.Notifications, Notification{At: r, Service: svc, Rule: "PodRestarting", Sev: "warning", State: alertconv.StateResolved, StartsAt: r, Episode: ep})
		r = r.Add(g.jitter(20*time.Second, 90*time.Second))
	}
	g.busyUntil[fp] = r
}
