package alertscenario

import (
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// Pace is how a fault's alerts follow each other in time. The zero value
// is the generator's own pace, which every family was frozen with: a
// caller alerts FamilySpec.HopDelay per hop after the onset, so callers
// alert in hop order, the root first (except in a retry storm).
//
// Real alerting is not paced by hops. A failure reaches the services that
// call the failing one within a request's timeout, seconds per hop; each
// service's alert then fires when its rule's condition has held for the
// rule's `for:` (0 to minutes, set per rule by whoever wrote it), at the
// first evaluation of the rule's group after that (every evaluation
// interval, at a phase of its own). The order in which the services of one
// failure alert is then set mostly by their rules, not by their distance
// from the root, and the root is often not first. Pace lets an evaluation
// measure what the correlator's rules owe to the generator's pace.
type Pace struct {
	// Factor, when non-zero, scales every per-hop delay (a faster or slower
	// spread of the same failures: callers with shorter or longer
	// timeouts and retries, thresholds crossed sooner or later).
	Factor float64
	// Rules, when set, replaces the per-hop delay with the failure's reach
	// (paceReach per hop: a timeout or two) and delays each fault alert
	// (root, symptom, consumer lag) by its rule's `for:` and evaluation
	// phase (ruleTiming). Noise, maintenance and flapping alerts keep
	// their onsets (they follow no failure), and a second alert keeps its
	// delay after the service's first.
	Rules bool
	// Published, when set, fires each fault alert its rule's published
	// `for:` (publishedFor: only the kube convention's rules have one)
	// after the failure reaches its service at the generator's pace, and
	// holds each fault that long past its drawn end when its root's own
	// rule has one (the fault's hold, familyGen.hold): a crash-looping
	// workload does not heal before its own alert fires, so that alert
	// always fires, its callers keep alerting meanwhile, and the root's
	// alert arrives a `for:` after its callers'. Storms and spaced faults
	// that follow start that much later (the gaps between them are the
	// drawn ones), and the traces' fault windows are held with them.
	Published bool
}

// Rules-pace constants: the failure's reach per hop, each rule's `for:`
// (a multiple of paceForStep up to paceForMax, as people write them) and
// the evaluation interval every rule group runs at (its phase is drawn
// per rule).
const (
	paceReach     = 5 * time.Second
	paceForStep   = 15 * time.Second
	paceForMax    = 3 * time.Minute
	paceEvalEvery = 30 * time.Second
)

// hopDelay draws a caller's per-hop delay from bounds, as the frozen
// generator does (d), and its delay at the pace (reach): d scaled by
// Factor, or, under Rules, d mapped onto 1 s to paceReach. The same draw
// either way, so that the generator's other draws are those of the frozen
// families.
func (g *familyGen) hopDelay(bounds [2]time.Duration) (d, reach time.Duration) {
	d = g.jitter(bounds[0], bounds[1])
	switch p := g.f.Pace; {
	case p.Rules:
		frac := float64(d-bounds[0]) / float64(max(bounds[1]-bounds[0], 1))
		return d, time.Second + time.Duration(frac*float64(paceReach-time.Second))
	case p.Factor > 0:
		return d, time.Duration(float64(d) * p.Factor)
	}
	return d, d
}

// faultEpisode adds the alert of a fault on svc that the frozen generator
// fires at on, at the family's pace: the failure reaches svc at reach and
// leaves it at off, the fault ends at end (both as drawn, before the
// fault's hold). It returns how far the pace
// moved the alert (shift) and whether it fired: at a pace, an alert that
// would fire once the fault is over does not. The rule is drawn as the
// frozen generator draws it, fired or not.
func (g *familyGen) faultEpisode(truth int, svc, kind string, on, reach, off, end time.Time) (shift time.Duration, fired bool) {
	rule := g.f.rule(kind, svc, g.rng)
	if g.f.Pace.Published && (kind == "root" || kind == "latency") {
		g.hold = publishedFor[rule] // the fault's root: its alert sets the hold
	}
	pOn, pOff, fired := g.paced(rule, reach, off.Add(g.hold))
	if g.f.Pace != (Pace{}) && !pOn.Before(end.Add(g.hold)) {
		fired = false
	}
	if fired {
		g.emit(truth, svc, kind, rule, pOn, pOff)
	} else {
		g.unfired = append(g.unfired, Notification{Service: svc, At: on})
	}
	return pOn.Sub(on), fired
}

// ruleTiming is one rule's `for:` and the phase of its evaluations.
type ruleTiming struct {
	hold, phase time.Duration
}

// ruleTiming draws rule's timing from the family's seed and the rule's
// name alone: every service alerting on the rule shares it, as it shares
// the rule's expression, and the generator's own draws are untouched.
func (g *familyGen) ruleTiming(rule string) ruleTiming {
	h := fnv.New64a()
	_, _ = h.Write([]byte(rule))
	r := rand.New(rand.NewPCG(g.f.Seed^h.Sum64(), 0xf0a))
	steps := int64(paceForMax / paceForStep)
	return ruleTiming{
		hold:  time.Duration(r.Int64N(steps+1)) * paceForStep,
		phase: time.Duration(r.Int64N(int64(paceEvalEvery))),
	}
}

// tick is the rule's first evaluation at or after t.
func (rt ruleTiming) tick(t time.Time) time.Time {
	at := t.Truncate(paceEvalEvery).Add(rt.phase)
	if at.Before(t) {
		at = at.Add(paceEvalEvery)
	}
	return at
}

// paced returns when an alert of a fault on rule fires and resolves when
// the failure reaches its service at reach and leaves it at off: under
// Rules, once the condition has held for the rule's `for:` from the first
// evaluation that saw it, and at the first evaluation after it clears
// (fires is false when the failure is gone before the `for:` is over: the
// rule never fires); under Published, its published `for:` after reach.
// Otherwise reach and off as they are.
func (g *familyGen) paced(rule string, reach, off time.Time) (on, end time.Time, fires bool) {
	if g.f.Pace.Published {
		on = reach.Add(publishedFor[rule])
		return on, off, on.Before(off)
	}
	if !g.f.Pace.Rules {
		return reach, off, true
	}
	rt := g.ruleTiming(rule)
	on, end = rt.tick(rt.tick(reach).Add(rt.hold)), rt.tick(off)
	return on, end, on.Before(off)
}
