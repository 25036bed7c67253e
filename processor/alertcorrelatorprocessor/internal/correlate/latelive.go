package correlate

import "time"

// A late caller's dependency still failing. The correlation window
// (Window) closes an incident to new alerts once nothing has joined it for
// that long, so repeats of old alerts do not keep it attracting new ones.
// But a caller whose rule has a long `for:` crosses it minutes after its
// dependency's own alert (latecaller.go bounds that lag at
// lateCallerWindows onset windows, longer than the usual Window): when
// nothing else joined meanwhile, the dependency's incident has gone quiet
// by the window while its alert still fires. A dependency whose alert
// still fires is still failing, and the callers crossing late together are
// its symptoms (EVALUATION.md, fifty-ninth pass). So for the late-caller
// relation only, an incident whose alert on the dependency still fires
// counts as live past the window; every other relation keeps the window.
// It reads the members' firing state, in the snapshot.

// liveLate reports whether inc is live for a late caller of svc: live, or
// holding a firing alert on svc.
func (e *Engine) liveLate(inc *incident, svc string, now time.Time) bool {
	if e.live(inc, now) {
		return true
	}
	for _, fp := range inc.members {
		if a := e.alerts[fp]; a != nil && a.Service == svc && a.firing {
			return true
		}
	}
	return false
}
