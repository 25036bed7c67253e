package correlate

import "time"

// Evidence read again. An alert often opens before the traces show where
// its errors originate: at their onsets, fewer than half of layered-120's
// fault roots read as origins (evidence.Unexplained), ten seconds later
// more than two thirds (README, Evaluation). So an alert that joined an
// incident as the symptom of an alerting dependency (not on the same
// service) is read again on every Advance while the evidence window that
// follows its join lasts: once errors originate in its service beyond its
// failing calls, it leaves for an incident of its own, as it would not
// have joined had the traces shown that at its onset.

// recheck is one symptom alert to read again until the time given.
type recheck struct {
	fp    string
	until time.Time
}

// maxRechecks bounds each queue of alerts read again: symptoms here,
// possible origins in attribute.go (the oldest go first).
const maxRechecks = 4096

// enqueue appends st to a queue of alerts read again until one evidence
// window from now, dropping (and counting) the oldest past maxRechecks.
func (e *Engine) enqueue(q []recheck, st *alertState, now time.Time) []recheck {
	if len(q) >= maxRechecks {
		q = q[1:]
		e.stats.OverflowRechecks++
	}
	return append(q, recheck{st.Fingerprint, now.Add(e.cfg.Evidence.Window())})
}

// noteSymptom queues st, which just joined an incident as the symptom of
// another service's alert, to be read again.
func (e *Engine) noteSymptom(st *alertState, now time.Time) {
	if !e.spansPresent() {
		return
	}
	e.rechecks = e.enqueue(e.rechecks, st, now)
}

// recheckSymptoms detaches the queued symptoms whose services the traces
// now show as causes of their own.
func (e *Engine) recheckSymptoms(now time.Time) {
	if len(e.rechecks) == 0 {
		return
	}
	keep := e.rechecks[:0]
	for _, r := range e.rechecks {
		st := e.alerts[r.fp]
		if now.After(r.until) || st == nil || !st.firing || st.flapping {
			continue
		}
		inc := e.incidents[st.incident]
		if inc == nil || inc.storm != "" || len(inc.members) < 2 || len(inc.services[st.Service]) > 1 {
			continue
		}
		if e.ownCause(st.Service) {
			e.moveWithSymptoms(st, now)
			e.stats.EvidenceDetached++
			continue
		}
		keep = append(keep, r)
	}
	clear(e.rechecks[len(keep):])
	e.rechecks = keep
}
