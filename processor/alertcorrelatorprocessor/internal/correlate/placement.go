package correlate

import (
	"fmt"
	"time"
)

// Placement says, right after an alert's first firing was ingested, which
// rule placed it: the relations findIncident saw and the first rule that
// dropped them, in findIncident's order (severity split, symptom origin,
// quiet pair, quiet take-over, held cause). A diagnostic for the evaluation (internal/eval's
// TestFragDiag); it reads the engine and changes nothing.
func (e *Engine) Placement(fp string, now time.Time) string {
	st := e.alerts[fp]
	if st == nil {
		return "untracked"
	}
	own := e.incidents[st.incident]
	opened := own != nil && len(own.members) == 1
	switch {
	case st.Service == "" || !e.graph.HasNode(st.Service):
		return "unknown service"
	case st.flapping || e.suspect(st) || e.isLocal(st.RuleName):
		return "own incident (flapping, re-page suspect or local)"
	}
	var cands []cand
	for _, c := range e.candidates(st, now) {
		if c.inc != own || !opened {
			cands = append(cands, c)
		}
	}
	n := len(cands)
	if n == 0 {
		return "no relation: " + e.noRelation(st, now)
	}
	if e.cfg.SeveritySplits {
		cands = e.splitBySeverity(st, cands)
	}
	if len(cands) == 0 {
		return fmt.Sprintf("%d relations, severity split", n)
	}
	if cands = e.dropFarLate(st, cands); len(cands) == 0 {
		return fmt.Sprintf("%d relations, far and late", n)
	}
	if cands = e.dropSymptomOrigins(st, cands); len(cands) == 0 {
		return fmt.Sprintf("%d relations, symptom's service an origin", n)
	}
	if cands = e.dropQuietPairs(st, cands); len(cands) == 0 {
		return fmt.Sprintf("%d relations, quiet pair", n)
	}
	if cands, _ = e.quietTakeOvers(st, cands); len(cands) == 0 {
		return fmt.Sprintf("%d relations, quiet take-over refused", n)
	}
	if cands = e.dropHeldCauses(st, cands, now); len(cands) == 0 {
		return fmt.Sprintf("%d relations, held cause", n)
	}
	sortCands(cands)
	if e.inBurst(st) {
		if own != nil && !opened {
			// In a burst only burstSymptoms joins (its own alert now
			// relates st to the incident at 0 hops, so it is not asked).
			return fmt.Sprintf("joined in a burst (of %d) [root=%s]", n, e.rootService(own))
		}
		return fmt.Sprintf("%d relations, burst%s", n, e.burstDetail(st, cands[0]))
	}
	return fmt.Sprintf("joined (symptom=%v hops=%d of %d)", cands[0].symptom, cands[0].hops, n)
}

// noRelation names why an alert with no candidate had none: a dependency
// alerting outside the onset window or vetoed by the traces, a caller's
// incident it could not take over, or nothing within MaxHops.
func (e *Engine) noRelation(st *alertState, now time.Time) string {
	s := st.Service
	for _, d := range e.graph.DependencyList(s, e.cfg.MaxHops) {
		for inc := range e.incidentsOn(d.Service) {
			t, ok := inc.causes[d.Service]
			switch {
			case !ok || !e.live(inc, now):
			case !e.nearHops(st.StartsAt, t, d.Hops):
				return fmt.Sprintf("dependency %d hops alerting %+ds away (onset window)", d.Hops, int(st.StartsAt.Sub(t).Seconds()))
			default:
				return fmt.Sprintf("dependency %d hops, own-cause veto (originates=%v unexplained=%v travel=%v)", d.Hops, e.originates(s), e.ownCause(s), e.failuresTravel(s, d.Service))
			}
		}
	}
	for _, c := range e.graph.CallerList(s, e.cfg.MaxHops) {
		for inc := range e.incidentsOn(c.Service) {
			if !e.live(inc, now) || inc == e.incidents[st.incident] {
				continue
			}
			root := e.rootService(inc)
			switch {
			case root != c.Service:
				return fmt.Sprintf("caller %d hops in an incident rooted elsewhere (%d hops further)", c.Hops, e.hopsOr(c.Service, root))
			case !e.explainsCallers(st, now):
				return fmt.Sprintf("caller %d hops, take-over refused (callers do not show it)", c.Hops)
			case !e.near(st.StartsAt, inc.firstCause):
				return fmt.Sprintf("caller %d hops, take-over outside the onset window", c.Hops)
			case e.ownCause(root):
				return fmt.Sprintf("caller %d hops, its root a cause of its own", c.Hops)
			}
		}
	}
	return "nothing alerting within max_hops"
}

func (e *Engine) hopsOr(from, to string) int {
	if h, ok := e.graph.Hops(from, to, 10); ok {
		return h
	}
	if h, ok := e.graph.Hops(to, from, 10); ok {
		return -h
	}
	return 99
}

// burstDetail describes a burst-isolated alert's best relation: whether
// st's service connects to another onset of the burst, the relation, the
// onset gap to its cause, and what the traces say of it. Its last field is
// the candidate root's service, for the diagnostic to judge.
func (e *Engine) burstDetail(st *alertState, c cand) string {
	svcs := []string{st.Service}
	for _, o := range e.onsets {
		if d := o.at.Sub(st.StartsAt); d >= -e.cfg.Burst.Window && d <= e.cfg.Burst.Window && o.service != st.Service {
			svcs = append(svcs, o.service)
		}
	}
	connected := e.groups(svcs) == e.groups(svcs[1:])
	root := e.rootService(c.inc)
	gap := st.StartsAt.Sub(c.inc.firstCause)
	link := -1
	if e.tracesActive() {
		link = int(e.cfg.Evidence.Link(st.Service, root, e.cfg.MaxHops, e.now))
	}
	return fmt.Sprintf(" [connected=%v symptom=%v hops=%d gap=%s paged=%v rootcause=%v link=%d quiet=%v root=%s]",
		connected, c.symptom, c.hops, gapBucket(gap), c.inc.paged, e.ownCause(root), link, e.quiet(st.Service), root)
}

func gapBucket(d time.Duration) string {
	switch {
	case d < 0:
		return "<0"
	case d < 10*time.Second:
		return "<10s"
	case d < 30*time.Second:
		return "<30s"
	case d < time.Minute:
		return "<1m"
	default:
		return ">1m"
	}
}
