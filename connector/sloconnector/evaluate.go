package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"slices"
	"time"
)

// alertClass is the tiers sharing one name: one alert, firing while any of
// them holds.
type alertClass struct {
	name     string
	severity string
	tiers    []TierConfig
}

// alertClasses groups tiers by name, in the order names first appear.
func alertClasses(tiers []TierConfig) []alertClass {
	var classes []alertClass
	for _, t := range tiers {
		i := slices.IndexFunc(classes, func(c alertClass) bool { return c.name == t.Name })
		if i < 0 {
			classes = append(classes, alertClass{name: t.Name, severity: t.Severity})
			i = len(classes) - 1
		}
		classes[i].tiers = append(classes[i].tiers, t)
	}
	return classes
}

// tierWindows lists every tier window once, shortest first.
func tierWindows(tiers []TierConfig) []time.Duration {
	var ws []time.Duration
	for _, t := range tiers {
		ws = append(ws, t.LongWindow, t.ShortWindow)
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// transition is an alert that started or stopped firing at an evaluation.
type transition struct {
	obj      *objective
	class    *alertClass
	firing   bool
	startsAt time.Time
	at       time.Time
	// ratios holds the error ratio per window at the evaluation, windows
	// the windows in order.
	ratios  map[time.Duration]float64
	windows []time.Duration
	// reason is the tier that holds (firing) as "14.4x 1h/5m".
	reason string
}

// holds reports whether tier t's condition holds: the error ratio over
// both windows is over burn_rate times the error budget, the form the
// Workbook's and Sloth's alert expressions compare.
func (o *objective) holds(t TierConfig, ratios map[time.Duration]float64) bool {
	threshold := t.BurnRate * o.budget
	long, okL := ratios[t.LongWindow]
	short, okS := ratios[t.ShortWindow]
	return okL && okS && long > threshold && short > threshold
}

// evaluate computes o's error ratios at now and returns its alert
// transitions. ratios maps each window with events to its error ratio.
func (o *objective) evaluate(now time.Time, classes []alertClass, windows []time.Duration) (ratios map[time.Duration]float64, out []transition) {
	ratios = make(map[time.Duration]float64, len(windows))
	for _, w := range windows {
		if r, ok := o.errorRatio(now, w); ok {
			ratios[w] = r
		}
	}
	for i := range classes {
		c := &classes[i]
		reason := ""
		for _, t := range c.tiers {
			if o.holds(t, ratios) {
				reason = formatTier(t)
				break
			}
		}
		started, wasFiring := o.firing[c.name]
		switch {
		case reason != "" && !wasFiring:
			o.firing[c.name] = now
			o.dirty = true
			out = append(out, transition{obj: o, class: c, firing: true, startsAt: now, at: now, reason: reason, ratios: ratios, windows: windows})
		case reason == "" && wasFiring:
			delete(o.firing, c.name)
			o.dirty = true
			out = append(out, transition{obj: o, class: c, firing: false, startsAt: started, at: now, ratios: ratios, windows: windows})
		}
	}
	return ratios, out
}
