package correlate

import (
	"time"
)

// evictAlerts frees room when the alert map is full: it forgets every
// alert that is resolved and outside any open incident (their flap history
// goes early). A full scan, so at most once a second; between scans a full
// map refuses new alerts.
func (e *Engine) evictAlerts(now time.Time) bool {
	if !e.lastEvict.IsZero() && now.Sub(e.lastEvict) < time.Second {
		return false
	}
	e.lastEvict = now
	freed := false
	for fp, st := range e.alerts {
		if st.firing || e.incidents[st.incident] != nil {
			continue
		}
		delete(e.alerts, fp)
		freed = true
	}
	return freed
}
