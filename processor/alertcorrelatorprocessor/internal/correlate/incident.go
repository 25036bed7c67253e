package correlate

import (
	"hash/fnv"
	"slices"
	"strconv"
	"time"
)

type incident struct {
	id        string
	members   []string // fingerprints
	ranking   []string
	paged     bool
	dirty     bool
	firstSeen time.Time
	lastSeen  time.Time
	groupKey  string
	services  map[string][]string // service -> its members' fingerprints, in members' order
	// stale: the derived fields may differ from those attaching the
	// members afresh, in join order, would give: a merge or a restore
	// attached a member after a later-joined one, or a member's severity,
	// rule, onset or flapping changed (touched). detach then rebuilds.
	stale bool
	// causes: service -> earliest onset of its member alerts that are not
	// local (those an alert may be a symptom of).
	causes map[string]time.Time
	// firstCause is the earliest onset in causes.
	firstCause time.Time
	emitted    string // snapshotKey of the last record emitted
	reps       map[string]*rep
	// repsAt counts reps by severity rank (index 0: unknown severity), so
	// the highest severity among an incident's services is a short scan.
	repsAt    []int
	rankDirty bool
	firing    int // members firing now
	// lastJoin is when an alert last joined (or re-fired into) the
	// incident: the correlation window runs from it, so repeats of old
	// alerts do not keep an incident attracting new ones.
	lastJoin time.Time
	// storm is the environment of a storm incident (alerts beyond
	// MaxIncidents), "" for others; see storm.go.
	storm string
	// why and exemplar are the last evidence shown for whyRoot, kept for
	// records emitted after the traces went quiet.
	why, exemplar, whyRoot string

	// heldRoot is the fingerprint of the alert that opened the incident
	// while its service did not yet explain its callers (specific.go):
	// the deeper-root take-overs it was refused wait for them.
	heldRoot string
	// waitsFor is the held incident (heldcause.go) its first alert was
	// refused as a symptom of (waitsInBurst, burstwait.go, when that
	// alert's onset fell in a burst).
	waitsFor string
	// openedInBurst: its first alert's onset fell in a burst (burst.go),
	// so it was opened apart from any relation (burstcallers.go).
	openedInBurst bool

	// rootFingerprint is the probable root alert's fingerprint (the first
	// member's until ranked); ranking[0] is its service.
	rootFingerprint string
	// awaitRead is when awaitsCause last read the evidence for the
	// incident's page, awaiting what it found (await.go).
	awaitRead time.Time
	awaiting  bool
	// silentRoot is a direct dependency of its alerting services, with no
	// alert, that their alerts show as the probable root (silentdep.go).
	silentRoot string
	// lastLeft is the fingerprint of the alert whose move emptied the
	// incident, if one did (emptied.go).
	lastLeft string
}

// An incident's members and the fields derived from them (services and
// their byService index, reps, causes, the firing count, the first root)
// have one writer: attach adds a member, detach removes some, setFiring
// changes a member's state. join, merge, the flapping detach and restore
// go through them; addService, addRep and addCause are theirs alone.

// attach makes st a member of inc; st's old incident, if any, is the
// caller's to drop (merge) or detach st from first. The caller marks inc
// dirty.
func (e *Engine) attach(inc *incident, st *alertState) {
	st.incident = inc.id
	if st.firing {
		inc.firing++
	}
	if n := len(inc.members); n > 0 && e.alerts[inc.members[n-1]] != nil && e.alerts[inc.members[n-1]].joined > st.joined {
		inc.stale = true
	}
	inc.members = append(inc.members, st.Fingerprint)
	e.addService(inc, st)
	e.addRep(inc, st)
	e.addCause(inc, st)
	if inc.rootFingerprint == "" {
		inc.rootFingerprint = st.Fingerprint
		inc.ranking = []string{st.Service}
	}
}

// detach removes sts from inc. Reps and causes are minima and maxima
// over a service's members, so those of the services sts leave are
// worked out again from the members that stay there, in join order; the
// other services' stand as they are, unless inc is stale (then all are
// rebuilt). The members are left in join order, and the earliest is the
// root until the incident is ranked again. The work is the incident's
// members once (to drop sts from the list) and the services' members,
// not a rebuild: an alert moving out of an incident of thousands, in a
// storm, cost milliseconds that way (the storm benchmark,
// BenchmarkAlertCorrelator/.../state-50k-alerts).
func (e *Engine) detach(inc *incident, sts ...*alertState) {
	inc.members = withoutMembers(inc.members, sts)
	noteEmptied(inc, sts)
	for _, st := range sts {
		st.incident = ""
	}
	if inc.stale {
		e.rebuild(inc)
		return
	}
	for _, st := range sts {
		if st.firing {
			inc.firing--
		}
		e.dropMember(inc, st)
	}
	for _, st := range sts {
		e.redoService(inc, st.Service)
	}
	inc.firstCause = time.Time{}
	for _, t := range inc.causes {
		if inc.firstCause.IsZero() || t.Before(inc.firstCause) {
			inc.firstCause = t
		}
	}
	inc.rootFingerprint, inc.ranking = "", nil
	if len(inc.members) > 0 {
		first := e.alerts[inc.members[0]]
		inc.rootFingerprint, inc.ranking = first.Fingerprint, []string{first.Service}
	}
	inc.dirty, inc.rankDirty = true, true
}

// rebuild attaches inc's members afresh, in join order.
func (e *Engine) rebuild(inc *incident) {
	rest := make([]*alertState, 0, len(inc.members))
	for _, fp := range inc.members {
		rest = append(rest, e.alerts[fp])
	}
	slices.SortFunc(rest, func(a, b *alertState) int { return a.joined - b.joined })
	e.unindexServices(inc)
	inc.members, inc.services = make([]string, 0, len(rest)), make(map[string][]string, len(inc.services))
	inc.reps, inc.repsAt, inc.causes = nil, nil, nil
	inc.firstCause, inc.firing, inc.rootFingerprint, inc.ranking = time.Time{}, 0, "", nil
	inc.stale = false
	for _, st := range rest {
		e.attach(inc, st)
	}
	inc.dirty, inc.rankDirty = true, true
}

// touched marks st's incident stale: a field attach reads (severity,
// rule, onset, flapping) changed on a member.
func (e *Engine) touched(st *alertState) {
	if inc := e.incidents[st.incident]; inc != nil {
		inc.stale = true
	}
}

// withoutMembers returns fps without the fingerprints of sts. One alert
// is looked for from the end: what moves has mostly joined lately.
func withoutMembers(fps []string, sts []*alertState) []string {
	if len(sts) == 1 {
		for i := len(fps) - 1; i >= 0; i-- {
			if fps[i] == sts[0].Fingerprint {
				return slices.Delete(fps, i, i+1)
			}
		}
		return fps
	}
	return slices.DeleteFunc(fps, func(fp string) bool {
		return slices.ContainsFunc(sts, func(st *alertState) bool { return st.Fingerprint == fp })
	})
}

// dropMember takes st off inc's list of members on its service, and the
// incident off the service's index once no member is left there.
func (e *Engine) dropMember(inc *incident, st *alertState) {
	svc := st.Service
	left := withoutMembers(inc.services[svc], []*alertState{st})
	if len(left) > 0 {
		inc.services[svc] = left
		return
	}
	delete(inc.services, svc)
	e.unindexService(inc, svc)
}

// redoService works out svc's rep and cause in inc again from the
// members that stay on it, in join order (a service done already is done
// again to the same result).
func (e *Engine) redoService(inc *incident, svc string) {
	if r := inc.reps[svc]; r != nil {
		inc.repsAt[r.sev]--
		delete(inc.reps, svc)
	}
	delete(inc.causes, svc)
	fps := inc.services[svc]
	if len(fps) == 0 {
		return
	}
	left := make([]*alertState, 0, len(fps))
	for _, fp := range fps {
		left = append(left, e.alerts[fp])
	}
	slices.SortFunc(left, func(a, b *alertState) int { return a.joined - b.joined })
	for _, st := range left {
		e.addRep(inc, st)
		e.addCause(inc, st)
	}
}

// setFiring records a member's effective state change. A member firing
// again may carry another severity or onset: its rep is updated too.
func (e *Engine) setFiring(st *alertState, firing bool) {
	if st.firing == firing {
		return
	}
	st.firing = firing
	inc := e.incidents[st.incident]
	if inc == nil {
		return
	}
	inc.dirty = true
	if !firing {
		inc.firing--
		return
	}
	inc.firing++
	e.addRep(inc, st)
}

// addCause records a non-local member's onset on its service. An alert
// a wave kept from its service's incident is no cause either
// (rulewave.go).
func (e *Engine) addCause(inc *incident, st *alertState) {
	if st.flapping || st.waveKept || e.isLocal(st.RuleName) {
		return
	}
	if inc.causes == nil {
		inc.causes = map[string]time.Time{}
	}
	if t, ok := inc.causes[st.Service]; !ok || st.StartsAt.Before(t) {
		inc.causes[st.Service] = st.StartsAt
	}
	if inc.firstCause.IsZero() || st.StartsAt.Before(inc.firstCause) {
		inc.firstCause = st.StartsAt
	}
}

func (e *Engine) newIncident(st *alertState, now time.Time) *incident {
	id := IncidentID(st.Fingerprint, st.StartsAt)
	for e.incidents[id] != nil {
		// Same alert, same onset, still open elsewhere: disambiguate.
		id = IncidentID(id, now)
	}
	opened := now
	if st.awaitingSpans {
		// It waited for its spans (spanwait.go): group_wait runs from
		// its arrival, as it would have without the wait.
		opened = st.firstSeen
	}
	inc := &incident{id: id, firstSeen: opened, lastSeen: now, services: map[string][]string{}}
	if st.Service == "" || !e.graph.HasNode(st.Service) {
		inc.groupKey = e.groupKey(st)
		if inc.groupKey != "" {
			e.byGroup[inc.groupKey] = id
		}
	}
	e.incidents[id] = inc
	return inc
}

// IncidentID is deterministic: the first alert's fingerprint and onset, so
// replicas and restarts that see the same alert name the incident alike.
func IncidentID(fingerprint string, onset time.Time) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(fingerprint))
	_, _ = h.Write([]byte{0xff})
	_, _ = h.Write(strconv.AppendInt(nil, onset.UnixNano(), 10))
	s := strconv.FormatUint(h.Sum64(), 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

// join makes a new or re-firing alert a member of inc: it opens the
// correlation window again.
func (e *Engine) join(inc *incident, st *alertState, now time.Time) {
	e.joinSeq++
	st.joined = e.joinSeq
	e.attach(inc, st)
	inc.lastSeen = maxTime(inc.lastSeen, now)
	inc.lastJoin = maxTime(inc.lastJoin, now)
	inc.dirty = true
}

func (e *Engine) groupKey(st *alertState) string {
	if len(e.cfg.GroupBy) == 0 {
		return ""
	}
	b := make([]byte, 0, 64)
	for _, l := range e.cfg.GroupBy {
		b = append(b, l...)
		b = append(b, '=')
		b = append(b, st.Labels[l]...)
		b = append(b, 0xff)
	}
	return string(b)
}

func (e *Engine) live(inc *incident, now time.Time) bool {
	return e.cfg.Window <= 0 || now.Sub(inc.lastJoin) <= e.cfg.Window
}

// merge moves a pending incident's members into dst.
func (e *Engine) merge(dst, src *incident) {
	slices.SortFunc(src.members, func(a, b string) int { return e.alerts[a].joined - e.alerts[b].joined })
	for _, fp := range src.members {
		e.attach(dst, e.alerts[fp])
	}
	if src.firstSeen.Before(dst.firstSeen) {
		dst.firstSeen = src.firstSeen
	}
	dst.lastSeen = maxTime(dst.lastSeen, src.lastSeen)
	dst.lastJoin = maxTime(dst.lastJoin, src.lastJoin)
	dst.dirty = true
	e.drop(src)
}

// addService lists st among inc's members on its service and indexes inc
// under that service.
func (e *Engine) addService(inc *incident, st *alertState) {
	svc := st.Service
	inc.services[svc] = append(inc.services[svc], st.Fingerprint)
	if len(inc.services[svc]) > 1 {
		return
	}
	set := e.byService[svc]
	if set == nil {
		set = map[string]*incident{}
		e.byService[svc] = set
	}
	set[inc.id] = inc
}

func (e *Engine) drop(inc *incident) {
	e.unindexServices(inc)
	if inc.groupKey != "" && e.byGroup[inc.groupKey] == inc.id {
		delete(e.byGroup, inc.groupKey)
	}
	if inc.storm != "" && e.storms[inc.storm] == inc.id {
		delete(e.storms, inc.storm)
	}
	delete(e.incidents, inc.id)
}

// unindexServices removes inc from byService under each of its services.
func (e *Engine) unindexServices(inc *incident) {
	for s := range inc.services {
		e.unindexService(inc, s)
	}
}

// unindexService removes inc from byService under svc.
func (e *Engine) unindexService(inc *incident, svc string) {
	if set := e.byService[svc]; set != nil {
		delete(set, inc.id)
		if len(set) == 0 {
			delete(e.byService, svc)
		}
	}
}

func (e *Engine) rootService(inc *incident) string {
	if len(inc.ranking) > 0 {
		return inc.ranking[0]
	}
	if st := e.alerts[inc.rootFingerprint]; st != nil {
		return st.Service
	}
	return ""
}

func (e *Engine) close(inc *incident) {
	for _, fp := range inc.members {
		if st := e.alerts[fp]; st != nil {
			st.incident = ""
		}
	}
	e.drop(inc)
}

// rep is a service's representative alert in an incident: its earliest,
// then most severe. Every member counts, resolved ones too: a root alert
// that resolved while its symptoms linger is still the probable root.
type rep struct {
	fp    string
	onset time.Time
	sev   int
}

func (e *Engine) addRep(inc *incident, st *alertState) {
	if inc.reps == nil {
		inc.reps = map[string]*rep{}
	}
	if inc.repsAt == nil {
		inc.repsAt = make([]int, len(e.cfg.Severities)+1)
	}
	sev := e.severityRank(st.Severity)
	r := inc.reps[st.Service]
	if r == nil {
		inc.reps[st.Service] = &rep{fp: st.Fingerprint, onset: st.StartsAt, sev: sev}
		inc.repsAt[sev]++
		inc.rankDirty = true
		return
	}
	if st.StartsAt.Before(r.onset) || (st.StartsAt.Equal(r.onset) && sev > r.sev) {
		r.fp, r.onset = st.Fingerprint, st.StartsAt
		inc.rankDirty = true
	}
	if sev > r.sev {
		inc.repsAt[r.sev]--
		inc.repsAt[sev]++
		r.sev = sev
		inc.rankDirty = true
	}
}
