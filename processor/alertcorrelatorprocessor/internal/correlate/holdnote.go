package correlate

import "time"

// HoldNote describes one page a hold kept back past group_wait
// (pageHold, advance.go), for the evaluation's diagnostics: which
// incident, which hold, when. It changes nothing.
type HoldNote struct {
	Incident string
	// Hold is the hold's function: awaitsCause, awaitsRepage,
	// awaitsBurstDependency, awaitsServiceIncident or awaitsQuietRead.
	Hold string
	At   time.Time
}

// OnHold sets a function called each time a hold keeps a page back (nil:
// none). A diagnostic for the evaluation.
func (e *Engine) OnHold(f func(HoldNote)) { e.holdHook = f }

// noteHold calls the hook, if set, for inc's page kept back by hold.
func (e *Engine) noteHold(inc *incident, hold string, now time.Time) {
	if e.holdHook != nil {
		e.holdHook(HoldNote{Incident: inc.id, Hold: hold, At: now})
	}
}
