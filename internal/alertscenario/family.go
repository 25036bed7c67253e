package alertscenario

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// Propagation says how a fault reaches other services' alerts.
type Propagation int

const (
	// HopDecay: callers alert hop by hop, fewer at each hop.
	HopDecay Propagation = iota
	// FanIn: the root is shared (a database or a broker); nearly every
	// direct caller alerts, few beyond.
	FanIn
	// Async: the root feeds a queue; its callers alert soon, the queue's
	// consumers (downstream of the root) alert 1-3 minutes late.
	Async
	// RetryStorm: callers retry and alert first; the root alerts 30 s to
	// 2 min after them.
	RetryStorm
)

func (p Propagation) String() string {
	return [...]string{"hop-decay", "fan-in", "async", "retry-storm"}[p]
}

// Convention is how alerts are labelled and named.
type Convention struct {
	// LabelStyle "service" labels alerts service=<name>; "job" labels them
	// only job/instance/pod (the service is the job: the correlator needs
	// service_label: job); "kube" draws them from the published rule sets
	// of a Prometheus Operator cluster (kube.go), their service read
	// through the receiver's default mapping
	// (alertwebhookreceiver.DefaultServiceMapping).
	LabelStyle string
	// UniformSeverity gives every alert the same severity.
	UniformSeverity bool
	// OpaqueRules names rules so that their names carry no hint of their
	// kind (no "disk", "restart"...).
	OpaqueRules bool
}

// FamilySpec is one scenario family: a graph and the assumptions its storms
// are written from. The seeds are frozen in Families (see there).
type FamilySpec struct {
	Name     string
	HeldOut  bool // not used for tuning; reported separately
	Topology *Topology
	// Propagations are drawn per fault, uniformly.
	Propagations []Propagation
	Convention   Convention
	// HopDelay bounds a caller's onset after its callee's (per hop).
	HopDelay [2]time.Duration
	// SecondFault is the probability that a fault has a concurrent second
	// fault on a neighbour (1-2 hops), 30 s to 3 min later.
	SecondFault float64
	// Noise per fault: an unrelated alert on a neighbour of the root, a
	// flapping neighbour; every MaintenanceEvery faults a burst of 5-15
	// unrelated alerts across random services.
	NeighbourNoise, FlappingNeighbour float64
	MaintenanceEvery                  int
	Faults                            int
	Seed                              uint64
	// ErrorRate is the share of the root's server spans that fail during a
	// fault (traces); Relay the share of a caller's spans that fail when a
	// call beneath them failed.
	ErrorRate, Relay float64
	// Storms, when set, makes the family a series of short storms of
	// concurrent faults (see StormShape) instead of Faults spaced 8-16 min
	// apart.
	Storms *StormShape
	// Latency is the share of faults that are latency faults (Fault.Kind
	// FaultLatency: the root slows down, its alert is a latency rule);
	// zero draws nothing, so families written before it generate what
	// they did.
	Latency float64
	// SecondAlert is the chance that a service alerting for a fault (root,
	// symptom or starved consumer) raises a second alert of that fault on
	// another rule, 10 s to 4 min after its first, while it still alerts:
	// real services trip several rules for one failure (errors, then an
	// error-budget burn, then saturation), minutes apart. Zero draws
	// nothing, so families written before it generate what they did.
	SecondAlert float64
	// Pace moves the onsets of a fault's alerts (see Pace); its zero value
	// is the pace every family was frozen with.
	Pace Pace
}

// Fault is one injected fault, for the traces of its window.
type Fault struct {
	Root     string
	From, To time.Time
	// Kind is FaultErrors ("": the root's spans fail) or FaultLatency (the
	// root's spans slow down; see TraceStream).
	Kind string
}

// Fault kinds.
const (
	FaultErrors  = ""
	FaultLatency = "latency"
)

// rule names by kind, per convention.
func (f *FamilySpec) rule(kind, svc string, rng *rand.Rand) string {
	hinted := map[string][]string{
		"root":    {"ServiceDown", "HighErrorRate", "SaturationHigh"},
		"latency": {"HighLatency", "LatencySLOBurn"},
		"symptom": {"HighErrorRate", "HighLatency"},
		"lag":     {"ConsumerLag"},
		"noise":   {"DiskSpaceLow", "CertificateExpiring"},
		"flap":    {"PodRestarting"},
		"maint":   {"TargetDown"},
		"second":  {"ErrorBudgetBurn", "HighLatencyP99", "ResourceExhausted"},
	}
	opaque := map[string][]string{
		"root":    {"slo-burn-a", "slo-burn-b", "probe-3"},
		"latency": {"slo-burn-a", "slo-burn-b", "probe-3"},
		"symptom": {"slo-burn-a", "slo-burn-b", "probe-3"},
		"lag":     {"slo-burn-b", "probe-7"},
		"noise":   {"probe-3", "check-12"},
		"flap":    {"probe-7", "check-12"},
		"maint":   {"check-12", "probe-3"},
		"second":  {"slo-burn-c", "probe-9"},
	}
	names := hinted[kind]
	if f.Convention.OpaqueRules {
		names = opaque[kind]
	}
	if f.Convention.LabelStyle == "kube" {
		return kubeRule(kubeRules[kind][rng.IntN(len(kubeRules[kind]))], svc)
	}
	return names[rng.IntN(len(names))]
}

func (f *FamilySpec) severity(kind, rule string) string {
	if f.Convention.LabelStyle == "kube" {
		return kubeSeverity(kind, rule)
	}
	if f.Convention.UniformSeverity {
		return "critical"
	}
	if kind == "root" || kind == "latency" {
		return "critical"
	}
	return "warning"
}

// labels of an alert on svc under the family's convention.
func (f *FamilySpec) labels(svc, rule, sev string) map[string]string {
	if f.Convention.LabelStyle == "kube" {
		return kubeLabels(svc, rule, sev)
	}
	if f.Convention.LabelStyle == "job" {
		h := 0
		for _, c := range svc {
			h = h*31 + int(c)
		}
		return map[string]string{
			"alertname": rule, "severity": sev, "job": svc,
			"instance": fmt.Sprintf("10.%d.%d.7:8080", h%200, (h/200)%250),
			"pod":      fmt.Sprintf("%s-%05x", svc, h%0xfffff),
		}
	}
	return map[string]string{"alertname": rule, "service": svc, "severity": sev}
}

// familyGen holds one generation's state.
type familyGen struct {
	f       *FamilySpec
	s       *Scenario
	rng     *rand.Rand
	callers map[string][]string
	nodes   []string
	busy    map[string]time.Time
	// unfired are the fault alerts a Pace kept from firing: the frozen
	// generator fired them, and places storm noise off their services.
	unfired []Notification
	// hold is how long the fault being injected outlasts its drawn end
	// (Pace.Published: its root's rule's `for:`; otherwise zero), held
	// the longest hold of the faults injected since spaced or storm last
	// read it (takeHeld).
	hold, held time.Duration
}

// takeHeld returns the longest hold of the faults injected since its last
// call, and forgets it.
func (g *familyGen) takeHeld() time.Duration {
	h := g.held
	g.held = 0
	return h
}

func (g *familyGen) jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)+1))
}

// episode adds one firing episode (with repeats every minute) of an alert.
func (g *familyGen) episode(truth int, svc, kind string, on, off time.Time) {
	g.emit(truth, svc, kind, g.f.rule(kind, svc, g.rng), on, off)
}

// emit adds one firing episode of an alert on rule.
func (g *familyGen) emit(truth int, svc, kind, rule string, on, off time.Time) {
	sev := g.f.severity(kind, rule)
	lbl := g.f.labels(svc, rule, sev)
	fp := alertconv.Fingerprint(lbl)
	if g.busy[fp].After(on.Add(-3 * time.Minute)) {
		return
	}
	g.busy[fp] = off
	ep := len(g.s.EpisodeTruth)
	g.s.EpisodeTruth = append(g.s.EpisodeTruth, truth)
	g.s.EpisodeFP = append(g.s.EpisodeFP, fp)
	n := Notification{Service: svc, Rule: rule, Sev: sev, StartsAt: on, Episode: ep, LabelSet: lbl}
	for r := on; r.Before(off); r = r.Add(time.Minute) {
		n.At, n.State = r, alertconv.StateFiring
		g.s.Notifications = append(g.s.Notifications, n)
	}
	n.At, n.State = off, alertconv.StateResolved
	g.s.Notifications = append(g.s.Notifications, n)
}

// flapShape is how a flapping alert flaps: count[0]+IntN(count[1])
// fire/resolve cycles, each state lasting period.
type flapShape struct {
	kind   string
	count  [2]int
	period [2]time.Duration
}

// familyFlap is the flapping of the spaced-out families.
var familyFlap = flapShape{kind: "flap", count: [2]int{5, 6}, period: [2]time.Duration{20 * time.Second, 90 * time.Second}}

// flapping adds a flapping alert on svc: 5-10 short episodes as one truth.
func (g *familyGen) flapping(svc string, on time.Time) {
	g.flap(svc, on, familyFlap)
}

// flap adds a flapping alert of the given shape on svc, as one truth.
func (g *familyGen) flap(svc string, on time.Time, sh flapShape) {
	truth := Truth{ID: len(g.s.Truths), Kind: "flapping", Root: svc, Onset: on}
	rule := g.f.rule(sh.kind, svc, g.rng)
	sev := g.f.severity(sh.kind, rule)
	lbl := g.f.labels(svc, rule, sev)
	fp := alertconv.Fingerprint(lbl)
	if g.busy[fp].After(on.Add(-3 * time.Minute)) {
		return
	}
	g.s.Truths = append(g.s.Truths, truth)
	ep := len(g.s.EpisodeTruth)
	g.s.EpisodeTruth = append(g.s.EpisodeTruth, truth.ID)
	g.s.EpisodeFP = append(g.s.EpisodeFP, fp)
	n := Notification{Service: svc, Rule: rule, Sev: sev, Episode: ep, LabelSet: lbl}
	r := on
	for range sh.count[0] + g.rng.IntN(sh.count[1]) {
		n.At, n.StartsAt, n.State = r, r, alertconv.StateFiring
		g.s.Notifications = append(g.s.Notifications, n)
		r = r.Add(g.jitter(sh.period[0], sh.period[1]))
		n.At, n.State = r, alertconv.StateResolved
		g.s.Notifications = append(g.s.Notifications, n)
		r = r.Add(g.jitter(sh.period[0], sh.period[1]))
	}
	g.busy[fp] = r
}

// neighbours of svc within two hops either way, svc excluded.
func (g *familyGen) neighbours(svc string) []string {
	seen := map[string]bool{svc: true}
	var out []string
	frontier := []string{svc}
	for range 2 {
		var next []string
		for _, n := range frontier {
			for _, m := range slices.Concat(g.callers[n], g.f.Topology.Services[n]) {
				if !seen[m] {
					seen[m] = true
					out = append(out, m)
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	slices.Sort(out)
	return out
}

// GenerateFamily builds the family's scenario from its frozen seed.
func GenerateFamily(f *FamilySpec) *Scenario {
	g := &familyGen{
		f: f, s: &Scenario{Topology: f.Topology}, rng: rand.New(rand.NewPCG(f.Seed, 0xfa417)),
		callers: f.Topology.Callers(), nodes: f.Topology.Nodes(), busy: map[string]time.Time{},
	}
	if f.Storms != nil {
		g.storms(f.Storms)
	} else {
		g.spaced()
	}
	slices.SortStableFunc(g.s.Notifications, func(a, b Notification) int { return a.At.Compare(b.At) })
	return g.s
}

// spaced generates Faults faults 8-16 min apart, some with a second fault
// on a neighbour.
func (g *familyGen) spaced() {
	f := g.f
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for i := range f.Faults {
		at = at.Add(g.jitter(8*time.Minute, 16*time.Minute))
		root := f.Topology.Faults[g.rng.IntN(len(f.Topology.Faults))]
		end := g.fault(root, at)
		if g.rng.Float64() < f.SecondFault {
			if nb := g.neighbours(root); len(nb) > 0 {
				g.fault(nb[g.rng.IntN(len(nb))], at.Add(g.jitter(30*time.Second, 3*time.Minute)))
			}
		}
		g.noise(root, at, end)
		held := g.takeHeld()
		if f.MaintenanceEvery > 0 && i%f.MaintenanceEvery == f.MaintenanceEvery-1 {
			g.maintenance(end.Add(held + g.jitter(time.Minute, 3*time.Minute)))
		}
		at = at.Add(held)
	}
}

// noise adds a fault's neighbour noise and flapping neighbour.
func (g *familyGen) noise(root string, at, end time.Time) {
	nb := g.neighbours(root)
	if len(nb) == 0 {
		return
	}
	if g.rng.Float64() < g.f.NeighbourNoise {
		svc := nb[g.rng.IntN(len(nb))]
		on := at.Add(g.jitter(0, end.Sub(at)/2))
		truth := Truth{ID: len(g.s.Truths), Kind: "unrelated", Root: svc, Onset: on}
		g.s.Truths = append(g.s.Truths, truth)
		g.episode(truth.ID, svc, "noise", on, on.Add(g.jitter(2*time.Minute, 8*time.Minute)))
	}
	if g.rng.Float64() < g.f.FlappingNeighbour {
		g.flapping(nb[g.rng.IntN(len(nb))], at.Add(g.jitter(0, 2*time.Minute)))
	}
}

// maintenance fires one short alert on each of 5-15 random services within
// 20 s: no shared cause, so each is a truth of its own.
func (g *familyGen) maintenance(at time.Time) {
	k := min(len(g.nodes), 5+g.rng.IntN(11))
	for _, i := range g.rng.Perm(len(g.nodes))[:k] {
		svc := g.nodes[i]
		on := at.Add(g.jitter(0, 20*time.Second))
		truth := Truth{ID: len(g.s.Truths), Kind: "maintenance", Root: svc, Onset: on}
		g.s.Truths = append(g.s.Truths, truth)
		g.episode(truth.ID, svc, "maint", on, on.Add(g.jitter(2*time.Minute, 4*time.Minute)))
	}
}

// faultTiming is how one fault's alerts unfold in time.
type faultTiming struct {
	duration  [2]time.Duration // the fault's length (the root's alert)
	rootOn    time.Duration    // the root alerts within this of the onset
	hop       [2]time.Duration // a caller h hops up alerts h × this after the onset
	retryRoot [2]time.Duration // retry storm: the root alerts this late
	retryHop  time.Duration    // retry storm: callers alert within this
	lag       [2]time.Duration // async: consumers alert this late
	tail      time.Duration    // symptoms resolve up to this after the fault
	lagTail   time.Duration    // consumers resolve up to this after the fault
	// decay[h-1] is the chance a caller h hops up alerts; fanIn the same
	// for a shared root.
	decay, fanIn []float64
}

// familyTiming is the timing of the spaced-out families (5-12 min faults).
func familyTiming(hop [2]time.Duration) faultTiming {
	return faultTiming{
		duration: [2]time.Duration{5 * time.Minute, 12 * time.Minute}, rootOn: 20 * time.Second, hop: hop,
		retryRoot: [2]time.Duration{30 * time.Second, 2 * time.Minute}, retryHop: 30 * time.Second,
		lag: [2]time.Duration{time.Minute, 3 * time.Minute}, tail: 90 * time.Second, lagTail: 2 * time.Minute,
		decay: []float64{0.8, 0.5, 0.3}, fanIn: []float64{0.95, 0.2},
	}
}

// fault injects one fault at root from at and returns its end.
func (g *familyGen) fault(root string, at time.Time) time.Time {
	return g.inject(root, at, familyTiming(g.f.HopDelay))
}

// inject injects one fault at root from at, its propagation drawn from the
// family's, and returns its end as drawn (a Pace.Published hold keeps it
// failing longer: Fault.To and takeHeld say how long). A symptom that
// would fire only after the drawn end is left out.
func (g *familyGen) inject(root string, at time.Time, tm faultTiming) time.Time {
	prop := g.f.Propagations[g.rng.IntN(len(g.f.Propagations))]
	kind, rule := FaultErrors, "root"
	if g.f.Latency > 0 && g.rng.Float64() < g.f.Latency {
		kind, rule = FaultLatency, "latency"
	}
	truth := Truth{ID: len(g.s.Truths), Root: root, Kind: "fault", Onset: at}
	g.s.Truths = append(g.s.Truths, truth)
	end := at.Add(g.jitter(tm.duration[0], tm.duration[1]))
	g.s.Faults = append(g.s.Faults, Fault{Root: root, From: at, To: end, Kind: kind})
	rootOn := at.Add(g.jitter(0, tm.rootOn))
	reach := rootOn
	if g.f.Pace.Rules {
		reach = at // the failure is the root's own from its onset
	}
	if prop == RetryStorm {
		rootOn = at.Add(g.jitter(tm.retryRoot[0], tm.retryRoot[1]))
		reach = rootOn // saturated by its callers' retries, later
	}
	g.hold = 0
	defer func() { g.held, g.hold = max(g.held, g.hold), 0 }()
	shift, fired := g.faultEpisode(truth.ID, root, rule, rootOn, reach, end, end)
	g.s.Faults[len(g.s.Faults)-1].To = end.Add(g.hold)
	g.second(truth.ID, root, rootOn, end, shift, fired)
	prob := tm.decay
	if prop == FanIn {
		prob = tm.fanIn
	}
	seen := g.callerSymptoms(truth.ID, root, at, end, prop, prob, tm)
	if prop == Async {
		for _, c := range g.consumers(root) {
			if !seen[c] && g.rng.Float64() < 0.7 {
				seen[c] = true
				on := at.Add(g.jitter(tm.lag[0], tm.lag[1]))
				off := end.Add(g.jitter(0, tm.lagTail))
				if on.Before(end) {
					shift, fired := g.faultEpisode(truth.ID, c, "lag", on, on, off, end)
					g.second(truth.ID, c, on, off, shift, fired)
				}
			}
		}
	}
	return end
}

// callerSymptoms adds the alerts of root's callers, hop by hop, and returns
// the services reached.
func (g *familyGen) callerSymptoms(truth int, root string, at, end time.Time, prop Propagation, prob []float64, tm faultTiming) map[string]bool {
	return walkCallers(g.rng, g.callers, root, prob, func(c string, hop int) {
		d, paced := g.hopDelay(tm.hop)
		on := at.Add(time.Duration(hop) * d)
		reach := at.Add(time.Duration(hop) * paced)
		if prop == RetryStorm {
			on = at.Add(g.jitter(0, tm.retryHop))
			reach = on // callers retrying alert first, at any hop
		}
		off := end.Add(g.jitter(0, tm.tail))
		if on.Before(end) {
			shift, fired := g.faultEpisode(truth, c, "symptom", on, reach, off, end)
			g.second(truth, c, on, off, shift, fired)
		}
	})
}

// second adds, with the family's SecondAlert chance, a second alert of the
// fault truth on svc under another rule, 10 s to 4 min after its first
// (on, at the frozen pace), if that is before the service stops alerting
// (off, as drawn). The pace moved the first by shift, and the second with
// it; a first that did not fire at the pace (fired false) has no second,
// nor one the pace moves past off and the fault's hold.
func (g *familyGen) second(truth int, svc string, on, off time.Time, shift time.Duration, fired bool) {
	if g.f.SecondAlert == 0 || g.rng.Float64() >= g.f.SecondAlert {
		return
	}
	if at := on.Add(g.jitter(10*time.Second, 4*time.Minute)); at.Before(off) {
		rule := g.f.rule("second", svc, g.rng)
		if at = at.Add(shift); fired && at.Before(off.Add(g.hold)) {
			g.emit(truth, svc, "second", rule, at, off.Add(g.hold))
		}
	}
}

// consumers are the queue consumers a fault at root starves: the broker's
// own when root is a broker, else those of the brokers root produces to.
func (g *familyGen) consumers(root string) []string {
	t := g.f.Topology
	if t.Brokers[root] {
		return t.Services[root]
	}
	var out []string
	for _, b := range t.Services[root] {
		if t.Brokers[b] {
			out = append(out, t.Services[b]...)
		}
	}
	return out
}
