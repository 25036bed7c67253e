package correlate

import (
	"slices"
	"time"
)

// A burst is many services opening alerts at once that the graph does not
// connect: a deploy, a maintenance window, a scrape outage. A fault spreads
// along call edges, so one fault's alerts form one connected group of
// services; onsets in several unconnected groups within a few seconds have
// no shared cause the graph can show. Only onsets that opened incidents
// count: an alert that joined one is explained (fan-in callers of one
// failing database alert together, and join its incident). An alert whose onset falls in a burst
// joins no incident through the graph (it would join by coincidence of time
// and adjacency); it opens an incident of its own, which later alerts may
// still join as symptoms.
//
// An alert on a service the traces show quiet does not end a burst by
// connecting its groups (a shared dependency alerting after them).

// BurstConfig tells a burst of unrelated onsets (see above).
type BurstConfig struct {
	// Window: onsets within this of the alert's onset are considered. Zero
	// turns burst detection off.
	Window time.Duration
	// MinGroups is how many groups of services, unconnected within MaxHops
	// along the call direction, the onsets must form.
	MinGroups int
}

// maxBurstOnsets bounds the recent onsets kept (and scanned per alert);
// maxBurstServices the distinct services whose groups are counted (the
// first ones in the window: enough to tell a burst, and the cost per alert
// stays bounded in a storm).
const (
	maxBurstOnsets   = 256
	maxBurstServices = 8
)

// onset is one new alert's onset on a service.
type onset struct {
	at      time.Time
	service string
}

// loneInBurst reports whether inc opened in a burst and still holds one
// service (not a storm incident): the burst's isolated alert that the
// burst rules gather (burstcallers.go) and hold (burstpagehold.go).
func (inc *incident) loneInBurst() bool {
	return inc.openedInBurst && inc.storm == "" && len(inc.services) == 1
}

// noteOnset records the onset of an alert that opened an incident and
// forgets those older
// than the burst window before now's.
func (e *Engine) noteOnset(st *alertState) {
	if e.cfg.Burst.Window <= 0 || st.Service == "" {
		return
	}
	cut := 0
	for cut < len(e.onsets) && st.StartsAt.Sub(e.onsets[cut].at) > 2*e.cfg.Burst.Window {
		cut++
	}
	e.onsets = e.onsets[cut:]
	if len(e.onsets) >= maxBurstOnsets {
		e.onsets = e.onsets[1:]
		e.burstMemo.st = nil // the dropped onset may have counted
	}
	e.onsets = append(e.onsets, onset{st.StartsAt, st.Service})
}

// inBurst reports whether st's onset falls in a burst: st's service and
// those of the incident-opening onsets within Burst.Window of it form at least Burst.MinGroups groups
// the graph does not connect.
func (e *Engine) inBurst(st *alertState) bool {
	if e.burstMemo.st == st {
		return e.burstMemo.burst
	}
	b := e.readBurst(st)
	if e.burstMemo.placing {
		e.burstMemo.st, e.burstMemo.burst = st, b
	}
	return b
}

// burstMemo keeps one alert's burst reading while fire places it: the
// placement asks it up to four times (the candidates, the specific
// relation, the quiet take-over, the new incident's mark), and nothing
// that changes it happens in between (the alert's own onset adds no
// service; noteOnset clears the memo if it drops an onset in the window).
// Outside fire (placing false) nothing is kept.
type burstMemo struct {
	placing bool
	st      *alertState
	burst   bool
}

// readBurst is inBurst without the memo.
func (e *Engine) readBurst(st *alertState) bool {
	w, k := e.cfg.Burst.Window, e.cfg.Burst.MinGroups
	if w <= 0 || k < 2 {
		return false
	}
	svcs := []string{st.Service}
	for _, o := range e.onsets {
		d := o.at.Sub(st.StartsAt)
		if d >= -w && d <= w && e.graph.HasNode(o.service) && !slices.Contains(svcs, o.service) {
			svcs = append(svcs, o.service)
			if len(svcs) == maxBurstServices {
				break
			}
		}
	}
	if len(svcs) < k {
		return false
	}
	// An alert on a service the burst's services all reach (a hub, a
	// shared database) connects their groups, but when the traces show
	// that service quiet (well observed, nothing failing in or around it)
	// it explains none of their onsets: the others alone count.
	return e.groups(svcs) >= k || e.quiet(st.Service) && e.groups(svcs[1:]) >= k
}

// groups counts the groups of svcs connected (either way) along call
// edges within MaxHops.
func (e *Engine) groups(svcs []string) int {
	index := make(map[string]int, len(svcs))
	parent := make([]int, len(svcs))
	for i, s := range svcs {
		index[s], parent[i] = i, i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	n := len(svcs)
	for i, s := range svcs {
		for _, r := range e.graph.DependencyList(s, e.cfg.MaxHops) {
			if j, ok := index[r.Service]; ok {
				if a, b := find(i), find(j); a != b {
					parent[a] = b
					n--
				}
			}
		}
	}
	return n
}
