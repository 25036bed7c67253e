package correlate

import "time"

// A hub's second alert, crossing its rule just before the new origin's.
// attribute.go's laterEpisodes lets a new origin take, from an incident
// explained by an older origin of its own, a second alert on a service
// that incident already holds (a gateway or hub in front of two faults)
// whose failing calls lead to the new origin. It asked that alert to open
// after the origin's: the hub's first alert began with the older fault,
// its new one with the new. But a rule fires after its `for:`, at an
// evaluation of its group: when the failing service's own rule has the
// longer `for:`, its callers cross theirs first, and the hub's second
// alert opens seconds before the origin's (EVALUATION.md, ninety-sixth
// pass: rule-paced storms, such alerts 5-30 s before their root). So a
// second alert that opened up to the burst window before the origin's
// counts as the new origin's too: the callers of one failing service
// cross one rule within seconds of each other, and the spans must still
// show the hub's failing calls leading to the new origin. One that opened
// earlier still stays: it began while only the older fault was known.
// Off (after the origin's only, as before) when the burst window is zero.
// The service's first alert in that incident must have opened before
// both. It reads the alerts' onsets and the burst window only: nothing
// new to save over a restart.

// laterEpisode reports whether an alert opened at `at`, on a service
// whose first alert in an incident opened at `first`, is a later episode
// a new origin whose alert opened at `origin` may take (see above).
func (e *Engine) laterEpisode(first, at, origin time.Time) bool {
	if !first.Before(origin) || !at.After(first) {
		return false
	}
	return at.After(origin) || e.cfg.Burst.Window > 0 && origin.Sub(at) <= e.cfg.Burst.Window
}
