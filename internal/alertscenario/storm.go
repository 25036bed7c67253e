package alertscenario

import (
	"slices"
	"time"
)

// StormShape makes a family a series of short storms instead of faults
// spaced minutes apart. It is written from other assumptions than the
// spaced-out families: several faults are open at once, each storm is over
// within minutes, noise alerts look like symptoms, and each storm has a
// flapping alert. With a StormShape, GenerateFamily ignores the spec's
// Faults, SecondFault, FlappingNeighbour and MaintenanceEvery; Propagations,
// Convention, NeighbourNoise, Seed, ErrorRate and Relay apply as before.
type StormShape struct {
	Storms int
	// Concurrent bounds the faults of one storm (drawn uniformly).
	Concurrent [2]int
	// Length bounds a storm, from its first onset to its last resolution.
	Length [2]time.Duration
	// Gap bounds the quiet time between two storms.
	Gap [2]time.Duration
	// Spread bounds the window over which independent faults' onsets are
	// spread (capped so that every fault lasts at least a minute and a half).
	Spread [2]time.Duration
	// Adjacent is the chance that a fault after the first lands on a
	// neighbour (1-2 hops) of an earlier fault's root, 30 s to 3 min after
	// it; otherwise its root is drawn from the whole graph.
	Adjacent float64
	// Maintenance is the chance that a storm also holds a burst of
	// unrelated alerts across 5-15 random services.
	Maintenance float64
}

// StormRegime is the storm families' regime with the given number of
// storms: 1-5 concurrent faults of 150-400 s, storms 10-20 min apart,
// onsets spread over 5 s to 5 min, after the held-out suite issue 13
// describes.
func StormRegime(storms int) *StormShape {
	return &StormShape{
		Storms: storms, Concurrent: [2]int{1, 5},
		Length: [2]time.Duration{150 * time.Second, 400 * time.Second},
		Gap:    [2]time.Duration{10 * time.Minute, 20 * time.Minute},
		Spread: [2]time.Duration{5 * time.Second, 5 * time.Minute}, Adjacent: 0.4, Maintenance: 0.25,
	}
}

// stormStart is where storm scenarios begin.
var stormStart = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// stormFlap flaps 3-6 times, each state lasting 8-25 s: about a storm long.
var stormFlap = flapShape{kind: "flap", count: [2]int{3, 4}, period: [2]time.Duration{8 * time.Second, 25 * time.Second}}

// storms generates the whole scenario of a storm family.
func (g *familyGen) storms(sh *StormShape) {
	at := stormStart
	for range sh.Storms {
		at = g.storm(sh, at.Add(g.jitter(sh.Gap[0], sh.Gap[1])))
	}
}

// stormFault is one fault placed in a storm.
type stormFault struct {
	root string
	at   time.Time
}

// storm generates one storm from start and returns its end: its drawn
// stop, or its faults' hold past it (Pace.Published).
func (g *familyGen) storm(sh *StormShape, start time.Time) time.Time {
	stop := start.Add(g.jitter(sh.Length[0], sh.Length[1]))
	latest := stop.Add(-90 * time.Second) // the last onset: faults last 1.5 min at least
	spread := min(g.jitter(sh.Spread[0], sh.Spread[1]), latest.Sub(start))
	k := sh.Concurrent[0] + g.rng.IntN(sh.Concurrent[1]-sh.Concurrent[0]+1)
	var placed []stormFault
	for i := range k {
		f, ok := g.placeFault(sh, placed, start, spread, latest)
		if !ok {
			continue
		}
		if i == 0 {
			f.at = start
		}
		placed = append(placed, f)
		g.inject(f.root, f.at, stormTiming(f.at, stop))
	}
	// Noise once every fault's alerts are known, so that it never lands on
	// a service a fault made alert.
	for _, f := range placed {
		g.stormNoise(f.root, f.at, start, stop)
	}
	if len(placed) > 0 {
		f := placed[g.rng.IntN(len(placed))]
		if nb := g.free(g.neighbours(f.root), placed); len(nb) > 0 {
			// Half of them named like symptoms: the name does not give
			// the flapping away.
			flap := stormFlap
			if g.rng.IntN(2) == 0 {
				flap.kind = "symptom"
			}
			g.flap(nb[g.rng.IntN(len(nb))], f.at.Add(g.jitter(0, 30*time.Second)), flap)
		}
	}
	if g.rng.Float64() < sh.Maintenance {
		g.maintenance(start.Add(g.jitter(0, stop.Sub(start)/2)))
	}
	return stop.Add(g.takeHeld())
}

// placeFault draws a fault's root and onset: next to an earlier fault of
// the storm, 30 s-3 min after it, with probability sh.Adjacent, else
// anywhere in the graph within the spread. Roots already failing in the
// storm are not drawn again.
func (g *familyGen) placeFault(sh *StormShape, placed []stormFault, start time.Time, spread time.Duration, latest time.Time) (stormFault, bool) {
	if len(placed) > 0 && g.rng.Float64() < sh.Adjacent {
		prev := placed[g.rng.IntN(len(placed))]
		at := prev.at.Add(g.jitter(30*time.Second, 3*time.Minute))
		nb := g.free(g.neighbours(prev.root), placed)
		if len(nb) > 0 && !at.After(latest) {
			return stormFault{root: nb[g.rng.IntN(len(nb))], at: at}, true
		}
	}
	roots := g.free(g.f.Topology.Faults, placed)
	if len(roots) == 0 {
		return stormFault{}, false
	}
	return stormFault{root: roots[g.rng.IntN(len(roots))], at: start.Add(g.jitter(0, spread))}, true
}

// free returns the services of svcs that are no root of placed.
func (g *familyGen) free(svcs []string, placed []stormFault) []string {
	return slices.DeleteFunc(slices.Clone(svcs), func(s string) bool {
		return slices.ContainsFunc(placed, func(f stormFault) bool { return f.root == s })
	})
}

// stormTiming fits a fault starting at on into a storm ending at stop: the
// fault lasts until 20-60 s before the storm's end, symptoms follow within
// tens of seconds per hop.
func stormTiming(on, stop time.Time) faultTiming {
	last := stop.Sub(on) - 20*time.Second
	return faultTiming{
		duration: [2]time.Duration{max(last-40*time.Second, 70*time.Second), last}, rootOn: 15 * time.Second,
		hop:       [2]time.Duration{5 * time.Second, 40 * time.Second},
		retryRoot: [2]time.Duration{15 * time.Second, time.Minute}, retryHop: 20 * time.Second,
		lag:  [2]time.Duration{30 * time.Second, 90 * time.Second},
		tail: 20 * time.Second, lagTail: 20 * time.Second,
		decay: []float64{0.85, 0.5, 0.25}, fanIn: []float64{0.9, 0.3},
	}
}

// stormNoise adds, with the spec's NeighbourNoise, one unrelated alert on a
// direct caller or callee of root that no fault of the storm has made
// alert (an alert beside a symptom of the same service would be no fair
// test): half of them named
// like symptoms (a slow neighbour that recovers on its own), the others
// like local trouble.
func (g *familyGen) stormNoise(root string, at, start, stop time.Time) {
	if g.rng.Float64() >= g.f.NeighbourNoise {
		return
	}
	alerting := g.faultAlerting(start)
	nb := slices.DeleteFunc(slices.Concat(g.callers[root], g.f.Topology.Services[root]), func(s string) bool { return alerting[s] })
	if len(nb) == 0 {
		return
	}
	svc := nb[g.rng.IntN(len(nb))]
	kind := "noise"
	if g.rng.IntN(2) == 0 {
		kind = "symptom"
	}
	on := at.Add(g.jitter(0, max(0, stop.Sub(at)-time.Minute)))
	off := on.Add(min(stop.Sub(on), g.jitter(45*time.Second, 150*time.Second)))
	truth := Truth{ID: len(g.s.Truths), Kind: "unrelated", Root: svc, Onset: on}
	g.s.Truths = append(g.s.Truths, truth)
	g.episode(truth.ID, svc, kind, on, off)
}

// faultAlerting returns the services with an alert of a fault since from
// (a storm's start: notifications are appended storm by storm).
func (g *familyGen) faultAlerting(from time.Time) map[string]bool {
	out := map[string]bool{}
	for _, f := range g.s.Faults {
		if f.To.After(from) {
			out[f.Root] = true
		}
	}
	for _, n := range slices.Backward(g.s.Notifications) {
		if n.At.Before(from) {
			break
		}
		if g.s.Truths[g.s.EpisodeTruth[n.Episode]].Kind == "fault" {
			out[n.Service] = true
		}
	}
	for _, n := range g.unfired {
		if !n.At.Before(from) {
			out[n.Service] = true
		}
	}
	return out
}
