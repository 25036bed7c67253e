package correlate

import (
	"slices"
	"time"
)

// A root whose rule holds longer than the correlation window. Published
// rule sets hold a workload's own alerts long: kubernetes-mixin's
// KubePodCrashLooping, KubePodNotReady and KubeDeploymentReplicasMismatch
// `for: 15m`, kube-prometheus's TargetDown 10m, while its callers' SLO
// burn-rate alerts (Sloth: no `for:`) fire within minutes
// (internal/alertscenario/published/kube-prometheus-alerts.yaml). The
// callers page first, each under its own root (they do not call each
// other); the failing workload's own alerts arrive a `for:` later, past
// the correlation window of every incident its callers opened, related
// to nothing live, and page again, alone (EVALUATION.md, ninety-fifth
// pass: under the published `for:` 26 of layered-120's faults so).
// So an alert related to nothing live joins, as their deeper root, the
// open incidents past their window of its service's direct callers whose
// alerts began before its onset and still fire: a failure that still
// holds, not one over. The bound is that failure's own, not a delay: the
// callers' alert must be firing at st's arrival, in an incident its
// caller roots (or one rooted at st's service already, or whose silent
// root, silentdep.go, is st's service: the root's later rules, minutes
// apart), and those callers must explain st's service: two of its direct
// callers at least, as many as explainedBy asks (a third, or all but
// one), or all of them (heldExplained). The incidents so found are
// merged into the earliest paged one (gatherHeldCallers). In the rank, a
// service whose direct callers so show it (their alerts in its incident
// began more than the correlation window before its own and still fire)
// is no longer vague (heldShownIn): it is the root they lead to. An
// alert firing again (a wobble) is no late root; a caller the spans show
// errors originating in (its own cause) counts for nothing. Off when the
// correlation window is zero (every open incident is live). It reads the
// open incidents, the graph and the spans, all restored from a snapshot:
// nothing to save.

// heldRootOf returns the open incidents st may join as the root its
// still-failing callers lead to (see above), as candidates.
func (e *Engine) heldRootOf(st *alertState, now time.Time) []cand {
	if e.cfg.Window <= 0 || st.firstSeen.Before(st.StartsAt) {
		return nil
	}
	callers := e.heldCallers(st, now)
	if len(callers) == 0 {
		return nil
	}
	alerting := map[string]bool{}
	for _, inc := range callers {
		for svc := range inc.services {
			alerting[svc] = true
		}
	}
	n, all := e.countCallers(st.Service, "", func(c string) bool { return alerting[c] })
	if !heldExplained(n, all) {
		return nil
	}
	out := make([]cand, 0, len(callers))
	for _, inc := range callers {
		if e.rootService(inc) == st.Service {
			// Rooted at st's service already: one more of its alerts.
			out = append(out, cand{inc: inc, symptom: true, held: true})
			continue
		}
		out = append(out, cand{inc: inc, hops: 1, held: true})
	}
	return out
}

// heldCallers returns the open incidents, in the order met, in which a
// direct caller of st's service, not its own cause, has an alert that
// began before st's and still fires, their root the caller or st's
// service (or st's service their silent root), past their correlation window (a live one
// is the other rules' to relate).
func (e *Engine) heldCallers(st *alertState, now time.Time) []*incident {
	var out []*incident
	for _, c := range e.graph.CallerList(st.Service, 1) {
		if e.originates(c.Service) {
			continue
		}
		for inc := range e.incidentsOn(c.Service) {
			root := e.rootService(inc)
			rooted := root == c.Service || root == st.Service || inc.silentRoot == st.Service
			if inc.storm == "" && rooted && !e.live(inc, now) && e.stillFiring(inc, c.Service, st.StartsAt) && !slices.Contains(out, inc) {
				out = append(out, inc)
			}
		}
	}
	return out
}

// stillFiring reports whether inc holds a non-local alert on svc that
// began before at and fires now.
func (e *Engine) stillFiring(inc *incident, svc string, at time.Time) bool {
	if t, ok := inc.causes[svc]; !ok || !t.Before(at) {
		return false
	}
	for _, fp := range inc.services[svc] {
		if m := e.alerts[fp]; m != nil && m.firing && m.StartsAt.Before(at) && !e.isLocal(m.RuleName) {
			return true
		}
	}
	return false
}

// heldShownIn reports whether svc, alerting in inc at at, is shown there
// by its direct callers as the root they lead to, past the correlation
// window: as many as heldExplained asks have an alert in inc that began
// more than the window before at and still fires.
func (e *Engine) heldShownIn(inc *incident, svc string, at time.Time) bool {
	if e.cfg.Window <= 0 || svc == "" {
		return false
	}
	alerting, callers := e.countCallers(svc, "", func(c string) bool {
		return e.stillFiring(inc, c, at.Add(-e.cfg.Window))
	})
	return heldExplained(alerting, callers)
}

// heldExplained reports whether alerting of a service's callers direct
// callers show it as the root they lead to past the window: two at least
// and as many as explainedBy asks, or all of them. One caller of two still failing is as
// often an unrelated alert's neighbour as its cause.
func heldExplained(alerting, callers int) bool {
	return alerting > 0 && (alerting == callers || alerting >= 2 && explainedBy(alerting, callers))
}

// gatherHeldCallers merges into inc, which st joined as the root its
// still-failing callers lead to, the other incidents heldRootOf found
// (cands, those of them left). It returns the surviving incident.
func (e *Engine) gatherHeldCallers(inc *incident, cands []cand, now time.Time) *incident {
	var others []*incident
	for _, c := range cands {
		if c.held {
			others = append(others, c.inc)
		}
	}
	return e.mergeAll(inc, others, now)
}
