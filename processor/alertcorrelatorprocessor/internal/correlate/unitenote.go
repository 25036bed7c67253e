package correlate

import (
	"fmt"
	"time"

	"github.com/quell-otel/quell/internal/evidence"
)

// UniteNote describes one union (unite) of several incidents, for the
// evaluation's diagnostics: the alert whose placement united them and,
// for each incident united, its members and what the graph and the traces
// said of it at that instant. It changes nothing.
type UniteNote struct {
	Alert    Member
	Incident []UnitedIncident
}

// Member names an alert by fingerprint and onset.
type Member struct {
	Fingerprint string
	StartsAt    time.Time
}

// UnitedIncident is one incident of a union: its members, root first, and
// a line of readings.
type UnitedIncident struct {
	Members []Member
	Detail  string
}

// OnUnite sets a function called at every union of two or more incidents
// (nil: none). A diagnostic for the evaluation.
func (e *Engine) OnUnite(f func(UniteNote)) { e.uniteHook = f }

// noteUnite calls the hook for st uniting group (cands' incidents).
func (e *Engine) noteUnite(st *alertState, cands []cand, group []*incident) {
	if e.uniteHook == nil || len(group) < 2 || st == nil {
		return
	}
	n := UniteNote{Alert: Member{st.Fingerprint, st.StartsAt}}
	for _, inc := range group {
		u := UnitedIncident{}
		if r := e.alerts[inc.rootFingerprint]; r != nil {
			u.Members = append(u.Members, Member{r.Fingerprint, r.StartsAt})
		}
		for _, fp := range inc.members {
			if a := e.alerts[fp]; a != nil && fp != inc.rootFingerprint {
				u.Members = append(u.Members, Member{a.Fingerprint, a.StartsAt})
			}
		}
		rel := "?"
		for _, c := range cands {
			if c.inc == inc {
				rel = fmt.Sprintf("symptom=%v hops=%d", c.symptom, c.hops)
			}
		}
		root := e.rootService(inc)
		alerting, between := e.betweenAlerting(root, st)
		u.Detail = fmt.Sprintf("%s via=%d/%d fanout=%d root=%s gap=%s rootOwn=%v rootOrig=%v link(root->svc)=%s fresh=%v link(svc->root)=%s svcOwn=%v svcOrig=%v",
			rel, alerting, between, e.fanout(root), root, st.StartsAt.Sub(inc.firstCause).Round(time.Second), e.ownCause(root), e.originates(root),
			e.linkName(root, st.Service), e.tracesActive() && e.cfg.Evidence.Fresh(root, st.Service, e.cfg.MaxHops, e.now),
			e.linkName(st.Service, root), e.ownCause(st.Service), e.originates(st.Service))
		n.Incident = append(n.Incident, u)
	}
	e.uniteHook(n)
}

// linkName is evidence.Link from s to d as a word, "-" without spans.
func (e *Engine) linkName(s, d string) string {
	if !e.tracesActive() {
		return "-"
	}
	switch e.cfg.Evidence.Link(s, d, e.cfg.MaxHops, e.now) {
	case evidence.Linked:
		return "linked"
	case evidence.Unlinked:
		return "unlinked"
	}
	return "unknown"
}

// betweenAlerting counts the services on the shortest paths from root
// down to st's service (neither end) that alert near st's onset, and all.
func (e *Engine) betweenAlerting(root string, st *alertState) (alerting, between int) {
	k, ok := e.graph.Hops(root, st.Service, e.cfg.MaxHops)
	if !ok {
		return 0, 0
	}
	for _, d := range e.graph.DependencyList(root, e.cfg.MaxHops) {
		if d.Hops >= k {
			break
		}
		if h, ok := e.graph.Hops(d.Service, st.Service, e.cfg.MaxHops); ok && d.Hops+h == k {
			between++
			if e.alertsNear(d.Service, st.StartsAt, e.now) {
				alerting++
			}
		}
	}
	return alerting, between
}

// fanout is how many services svc calls directly.
func (e *Engine) fanout(svc string) int {
	n := 0
	for _, d := range e.graph.DependencyList(svc, e.cfg.MaxHops) {
		if d.Hops == 1 {
			n++
		}
	}
	return n
}
