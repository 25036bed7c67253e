package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// A page held for a flap. An alert that paged alone, resolved, and fired
// again after its resolution closed its incident (its off period outlasted
// resolve_hold) opens a new incident, which would page again at
// group_wait: before Flap.Threshold changes mark it flapping, a wobbling
// alert pages twice (on the storm families, 9-11 of a family's pages).
// So an alert whose own page (an incident that held it alone) resolved,
// and which has since fired again after a resolution within Flap.Window,
// is a re-page suspect (for as long as it keeps wobbling so), and the page of an incident whose members are all suspects
// waits until one of them has fired, without a change, for its last
// cycle (from its previous firing to this one) plus group_wait, at most
// Flap.Hold (and at least group_wait). A wobble's firings are shorter
// than its cycles: it resolves before that, its new incident never pages,
// and its held resolution (refired, Flap.Hold) closes it unpaged once it
// stops. A genuine recurrence stays firing and pages, late by its last
// cycle, at most Flap.Hold after it fired again. Where alerts go does
// not change; only the page waits.

// awaitsRepage reports whether inc's page waits for a re-page suspect to
// show it is no flap.
func (e *Engine) awaitsRepage(inc *incident, now time.Time) bool {
	if e.cfg.Flap.Threshold <= 0 {
		return false
	}
	for _, fp := range inc.members {
		st := e.alerts[fp]
		if st == nil || !e.suspect(st) {
			return false
		}
		if st.reported == alertconv.StateFiring && now.Sub(st.lastChange) >= e.repageWait(inc, st) {
			return false
		}
	}
	return len(inc.members) > 0
}

// suspect reports whether st had a page of its own (an incident that
// held it alone, paged and resolved) and has since fired again, after a
// resolution within Flap.Window (its kept state changes).
func (e *Engine) suspect(st *alertState) bool {
	k := len(st.transitions)
	return !st.soloClosed.IsZero() && k >= 2 && !st.transitions[k-1].Before(st.soloClosed)
}

// repageWait is how long suspect st, firing, must fire without a change
// before inc pages: its last cycle (from its previous firing to this one,
// at most twice its last off period) plus group_wait, at most Flap.Hold
// (at least group_wait).
func (e *Engine) repageWait(inc *incident, st *alertState) time.Duration {
	gw := e.groupWait(inc)
	k := len(st.transitions)
	if k < 2 {
		return gw
	}
	// The previous firing: a kept state change, or the first firing (the
	// one before the kept changes if they were cut, so the cycle only
	// looks longer).
	prev := st.firstSeen
	if k >= 3 {
		prev = st.transitions[k-3]
	}
	cycle := st.transitions[k-1].Sub(prev)
	// A long firing before a short off period (a blip in a long incident)
	// is no wobble's cycle: the off period, twice, bounds it.
	cycle = min(cycle, 2*st.transitions[k-1].Sub(st.transitions[k-2]))
	return max(min(cycle+gw, e.cfg.Flap.Hold), gw)
}

// noteSoloClosed notes, when paged inc resolves holding one alert, that
// its alert had a page of its own (the re-page suspects' condition). An
// alert paged among others (a symptom, or a root with symptoms) is no
// suspect: that page was not its own, and once found flapping and
// detached (flap.go) it pages for itself.
func (e *Engine) noteSoloClosed(inc *incident, now time.Time) {
	if len(inc.members) != 1 {
		return
	}
	if st := e.alerts[inc.members[0]]; st != nil {
		st.soloClosed = now
	}
}
