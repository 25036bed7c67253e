package correlate

import "time"

// A service's earlier alert that the spans never bore out. The
// same-service relation (match.go) joins a service's further alert to the
// incident the service already alerts in, whatever its onset: one failure
// trips a service's rules minutes apart. An alert on a caller joins as a
// symptom of its dependency's alert; a dependency takes a caller's
// incident over as its deeper root; an origin gathers the alerts whose
// calls fail toward it (attribute.go). All assume the earlier alert
// stands for a failure the later one explains or shares. An alert whose
// service the spans read quiet (evidence.Quiet: well observed, nothing
// failing in or around it) from its onset through a whole evidence
// window stands for none the spans show: a target down while it keeps
// serving (a scrape outage), a maintenance window's alert, a resource
// alert. Once its service fails in the spans, that failure is new: its
// new alerts and its callers' do not join the quiet alert's incident by
// it, no dependency takes that incident over through it, and no origin
// gathers it. On the otel-demo with traces, draw 1, a maintenance window
// put TargetDown alerts on six services a minute before a fault rooted on
// one of them, and the fault's alerts and four maintenance alerts ended
// in one page (44 of 74 false pairs; EVALUATION.md, eightieth pass).
//
// The reading waits a whole window because spans reach the correlator
// after the alerts: a fault's root often reads quiet at its first firing
// and no longer a minute later (sixty-fourth pass: 142 of 145), while
// noise alerts mostly still do. A quiet reading that ends within the
// window marks nothing. Without spans, or while they do not speak of the
// alerts (informative.go), nothing changes.

// noteQuietOnset queues st, a new alert (or one placed again after its
// incident closed: its mark is read afresh), to be read again while its
// first evidence window lasts when its service reads quiet now. The
// readings need spans only, not their verdict (informative.go): a
// maintenance window's alerts often come before any fault's spans speak.
func (e *Engine) noteQuietOnset(st *alertState, now time.Time) {
	st.quietStayed = false
	if !e.spansPresent() || !e.cfg.Evidence.Quiet(st.Service, e.now) {
		return
	}
	e.quietOnsets = e.enqueue(e.quietOnsets, st, now)
}

// readQuietOnsets marks quietStayed the queued alerts whose services read
// quiet through their first window, and drops those that read otherwise.
func (e *Engine) readQuietOnsets(now time.Time) {
	if len(e.quietOnsets) == 0 {
		return
	}
	keep := e.quietOnsets[:0]
	for _, r := range e.quietOnsets {
		st := e.alerts[r.fp]
		switch {
		case st == nil || !st.firing || !e.spansPresent() || !e.cfg.Evidence.Quiet(st.Service, e.now):
		case !now.Before(r.until):
			st.quietStayed = true
		default:
			keep = append(keep, r)
		}
	}
	clear(e.quietOnsets[len(keep):])
	e.quietOnsets = keep
}

// troubleAfter reports whether svc's alerts in inc all read quiet
// through their first window (quietThrough) while svc no longer reads
// quiet: what fails there now began after them, and they explain none of
// it.
func (e *Engine) troubleAfter(inc *incident, svc string) bool {
	return e.quietThrough(inc, svc) && e.tracesActive() && !e.quiet(svc)
}

// quietThrough reports whether inc has alerts on svc and all of them
// read quiet through their first window (quietStayed).
func (e *Engine) quietThrough(inc *incident, svc string) bool {
	fps := inc.services[svc]
	if len(fps) == 0 {
		return false
	}
	for _, fp := range fps {
		if st := e.alerts[fp]; st == nil || !st.quietStayed {
			return false
		}
	}
	return true
}
