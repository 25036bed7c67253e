package correlate

import (
	"fmt"
	"slices"
	"time"
)

// BurstReading says what the burst rule (burst.go) reads around an alert's
// onset now: the distinct services of the incident-opening onsets within
// Burst.Window of it (its own service first), the groups the graph splits
// them into, and the same without its own service; then how many of its
// service's direct callers alert near its onset, and whether its rule
// name is new among the alerts the engine tracks on its service. A
// diagnostic for the evaluation (internal/eval's TestJoinDiag); it
// changes nothing.
func (e *Engine) BurstReading(fp string, now time.Time) string {
	st := e.alerts[fp]
	if st == nil || st.Service == "" || e.cfg.Burst.Window <= 0 {
		return "-"
	}
	w := e.cfg.Burst.Window
	svcs := []string{st.Service}
	for _, o := range e.onsets {
		d := o.at.Sub(st.StartsAt)
		if d >= -w && d <= w && e.graph.HasNode(o.service) && !slices.Contains(svcs, o.service) {
			svcs = append(svcs, o.service)
		}
	}
	alerting, _ := e.callerCounts(st.Service, st.StartsAt, now)
	newRule := true
	for _, o := range e.alerts {
		if o != st && o.Service == st.Service && o.RuleName == st.RuleName {
			newRule = false
		}
	}
	inc := e.incidents[st.incident]
	gap, size := "-", 0
	if inc != nil {
		gap, size = gapBucket(st.StartsAt.Sub(inc.firstCause)), len(inc.members)
	}
	return fmt.Sprintf("Bsvcs=%d Bgroups=%d Bothers=%d inB=%v callersAl=%d newrule=%v gapinc=%s size=%d",
		len(svcs), e.groups(svcs), e.groups(svcs[1:]), e.inBurst(st), alerting, newRule, gap, size)
}
