package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/topology"
)

// CandDetail is one relation of a new alert to a live incident, as the
// evaluation's TestSplitDiag reads it (ninety-third pass): what severity's
// split decided of it and what else the storm showed at that instant.
type CandDetail struct {
	Symptom bool // st joins as a symptom (else it would take over the root)
	Hops    int
	// SevSplit: splitBySeverity drops it.
	SevSplit bool
	// RootFP is the incident's first member's fingerprint.
	RootFP string
	// Dep is the incident service st relates through: the dependency it
	// would be a symptom of, or the root it would take over.
	Dep string
	// GapDep is st's onset less Dep's earliest onset in the incident;
	// GapFirst less the incident's first onset.
	GapDep, GapFirst time.Duration
	// Mid: services strictly between st and Dep on a shortest path that
	// alert in the incident; MidAll: all such services.
	Mid, MidAll int
	// Below: the incident's services within MaxHops below st (a path from
	// st reaches them); Above: within MaxHops above st; Services: all.
	Below, Above, Services int
	// DepsAlert: st's direct dependencies alerting in any live incident;
	// Deps: its direct dependencies.
	DepsAlert, Deps int
	// CallersAlert: st's direct callers alerting in any live incident.
	CallersAlert, Callers int
	// Fired: st's firings so far (its transitions).
	Fired int
	// Joined: st is in this incident once ingested (the caller sets it
	// with JoinedNow).
	Joined bool
	// Earlier: the incident's alerts whose onset is before st's; Members
	// all of them.
	Earlier, Members int
	// RootFirst: Dep's onset is the incident's first; AfterLast is st's
	// onset less the incident's last; Spread its last less its first.
	RootFirst         bool
	AfterLast, Spread time.Duration
	id                string
}

// JoinedNow marks the details whose incident holds fp now.
func (e *Engine) JoinedNow(fp string, ds []CandDetail) {
	st := e.alerts[fp]
	for i := range ds {
		ds[i].Joined = st != nil && st.incident == ds[i].id
	}
}

// SplitDetail lists the relations to live incidents that alert a, about
// to be ingested at now, has, as findIncident computes them. A diagnostic
// (TestSplitDiag); it changes nothing.
func (e *Engine) SplitDetail(a Alert, now time.Time) []CandDetail {
	st := &alertState{Alert: a}
	if old := e.alerts[a.Fingerprint]; old != nil {
		cp := *old
		cp.Alert = a
		st = &cp
	}
	if st.Service == "" || !e.graph.HasNode(st.Service) || st.flapping || e.suspect(st) || e.isLocal(st.RuleName) {
		return nil
	}
	cands := e.candidates(st, now)
	kept := map[*incident]bool{}
	for _, c := range e.splitBySeverity(st, append([]cand(nil), cands...)) {
		kept[c.inc] = true
	}
	var out []CandDetail
	for _, c := range cands {
		d := e.candDetail(st, c, !kept[c.inc])
		d.id = c.inc.id
		out = append(out, d)
	}
	return out
}

// candDetail reads c, a relation of st, for SplitDetail.
func (e *Engine) candDetail(st *alertState, c cand, split bool) CandDetail {
	d := CandDetail{Symptom: c.symptom, Hops: c.hops, SevSplit: split, RootFP: c.inc.members[0], Fired: len(st.transitions)}
	below := reachMap(e.graph.DependencyList(st.Service, e.cfg.MaxHops))
	above := reachMap(e.graph.CallerList(st.Service, e.cfg.MaxHops))
	d.Dep = e.rootService(c.inc)
	if c.symptom {
		d.Dep = nearestCause(c.inc, st.Service, below)
	}
	if t, ok := c.inc.causes[d.Dep]; ok {
		d.GapDep = st.StartsAt.Sub(t)
	}
	d.GapFirst = st.StartsAt.Sub(c.inc.firstCause)
	d.RootFirst = c.inc.causes[d.Dep].Equal(c.inc.firstCause)
	e.memberOnsets(&d, c.inc, st)
	for svc, fps := range c.inc.services {
		if len(fps) == 0 || svc == st.Service {
			continue
		}
		d.Services++
		if _, ok := below[svc]; ok {
			d.Below++
		}
		if _, ok := above[svc]; ok {
			d.Above++
		}
	}
	lo, hi := st.Service, d.Dep
	if !c.symptom {
		lo, hi = d.Dep, st.Service
	}
	d.Mid, d.MidAll = e.between(c.inc, lo, hi)
	d.DepsAlert, d.Deps = e.alertingOf(e.graph.DependencyList(st.Service, 1))
	d.CallersAlert, d.Callers = e.alertingOf(e.graph.CallerList(st.Service, 1))
	return d
}

func reachMap(rs []topology.Reached) map[string]int {
	m := make(map[string]int, len(rs))
	for _, r := range rs {
		m[r.Service] = r.Hops
	}
	return m
}

// nearestCause is the service of inc nearest below s (s itself first).
func nearestCause(inc *incident, s string, below map[string]int) string {
	if _, ok := inc.causes[s]; ok {
		return s
	}
	best, dep := 1<<30, ""
	for svc := range inc.causes {
		if h, ok := below[svc]; ok && (h < best || h == best && svc < dep) {
			best, dep = h, svc
		}
	}
	return dep
}

// memberOnsets counts inc's members and those with an onset before st's,
// and sets AfterLast and Spread.
func (e *Engine) memberOnsets(d *CandDetail, inc *incident, st *alertState) {
	var last time.Time
	for _, m := range inc.members {
		if o := e.alerts[m]; o != nil {
			last = maxTime(last, o.StartsAt)
			d.Members++
			if o.StartsAt.Before(st.StartsAt) {
				d.Earlier++
			}
		}
	}
	d.AfterLast, d.Spread = st.StartsAt.Sub(last), last.Sub(inc.firstCause)
}

// between counts the services strictly between lo and hi on a shortest
// path down from lo, and those of them alerting in inc.
func (e *Engine) between(inc *incident, lo, hi string) (alerting, all int) {
	n, _ := e.graph.Hops(lo, hi, e.cfg.MaxHops)
	for _, r := range e.graph.DependencyList(lo, n-1) {
		if h, ok := e.graph.Hops(r.Service, hi, e.cfg.MaxHops); ok && r.Hops+h == n {
			all++
			if len(inc.services[r.Service]) > 0 {
				alerting++
			}
		}
	}
	return alerting, all
}

// alertingOf counts the services of rs alerting in a live incident.
func (e *Engine) alertingOf(rs []topology.Reached) (alerting, all int) {
	for _, r := range rs {
		all++
		if len(e.byService[r.Service]) > 0 {
			alerting++
		}
	}
	return alerting, all
}
