package correlate

import "time"

// TieNote describes one placement where two or more live incidents related
// to a new alert equally well (the same best relation, symptom or deeper
// root, at the same hops), for the evaluation's diagnostics: the alert and
// the tied incidents, the chosen one first, with what each tie-break would
// read of them. It changes nothing.
type TieNote struct {
	Alert Member
	// Decided is "recent" when the most recently joined incident won (the
	// order sortCands left), "prefer" when preferNewerCause or
	// preferTraveled moved another to the front.
	Decided string
	Tied    []TiedIncident
}

// TiedIncident is one incident of a tie: its root alert, and the readings
// the candidate tie-breaks use.
type TiedIncident struct {
	Root Member
	// LastJoin is when an alert last joined it; FirstCause its earliest
	// onset; Cause the latest onset at or before the alert's among the
	// services the alert relates to it through (zero: none before).
	LastJoin, FirstCause, Cause time.Time
	// RootHops is the hops from the alert's service to the root's (-1:
	// unreachable); Traveled whether the traces show the alert's failing
	// calls reaching the root.
	RootHops int
	Traveled bool
	// FailingSince is when the alert's calls toward the root began
	// failing or running slow (evidence.Tracker.FailingSince; zero
	// without spans or without an anomalous path to the root);
	// PathFailingSince when a whole failing path to it began
	// (evidence.Tracker.PathFailingSince).
	FailingSince, PathFailingSince time.Time
	// Share is the share of the alert's failing or slow calls at its
	// onset that travel to the root (evidence.Tracker.FailingShare);
	// ShareRead false without a reading.
	Share     float64
	ShareRead bool
}

// OnTie sets a function called at every tie (nil: none). A diagnostic for
// the evaluation.
func (e *Engine) OnTie(f func(TieNote)) { e.tieHook = f }

// noteTie calls the hook when cands (sorted, preferences applied) holds a
// tie on the best relation; recentFirst is the incident sortCands put first.
func (e *Engine) noteTie(st *alertState, cands []cand, recentFirst *incident) {
	if e.tieHook == nil || len(cands) < 2 {
		return
	}
	best := cands[0]
	n := TieNote{Alert: Member{st.Fingerprint, st.StartsAt}, Decided: "recent"}
	if best.inc != recentFirst {
		n.Decided = "prefer"
	}
	for _, c := range cands {
		if c.symptom != best.symptom || c.hops != best.hops || c.late != best.late || c.silent != best.silent {
			continue
		}
		n.Tied = append(n.Tied, e.tiedIncident(st, c))
	}
	if len(n.Tied) >= 2 {
		e.tieHook(n)
	}
}

// tiedIncident reads one tied candidate for noteTie.
func (e *Engine) tiedIncident(st *alertState, c cand) TiedIncident {
	inc := c.inc
	root := e.rootService(inc)
	t := TiedIncident{LastJoin: inc.lastJoin, FirstCause: inc.firstCause, RootHops: -1}
	if r := e.alerts[inc.rootFingerprint]; r != nil {
		t.Root = Member{r.Fingerprint, r.StartsAt}
	}
	if h, ok := e.graph.Hops(st.Service, root, e.cfg.MaxHops); ok {
		t.RootHops = h
	}
	t.Traveled = e.tracesActive() && e.failuresTravel(st.Service, root)
	if e.tracesActive() && st.Service != root {
		t.FailingSince, _ = e.cfg.Evidence.FailingSince(st.Service, root, e.cfg.MaxHops, e.now)
		t.PathFailingSince, _ = e.cfg.Evidence.PathFailingSince(st.Service, root, e.cfg.MaxHops, e.now)
		t.Share, t.ShareRead = e.cfg.Evidence.FailingShare(st.Service, root, e.cfg.MaxHops, st.StartsAt, e.now)
	}
	via := []string{root}
	if c.symptom {
		via = []string{st.Service}
		for _, d := range e.graph.DependencyList(st.Service, e.cfg.MaxHops) {
			if d.Hops == c.hops {
				via = append(via, d.Service)
			}
		}
	}
	for _, s := range via {
		if o, ok := inc.causes[s]; ok && !o.After(st.StartsAt) && o.After(t.Cause) {
			t.Cause = o
		}
	}
	return t
}
