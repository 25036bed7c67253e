package correlate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDetachMatchesRebuild: detach works out only the services its
// alerts leave (incident.go). After each detach, an incident's derived
// fields equal those of an incident built afresh from the members that
// stay, attached in join order: the members and their order, the root
// (the earliest, until ranked), the services' members and index, reps,
// severity counts, causes, the first cause and the firing count; also
// when a merge had attached members out of join order, or a member's
// onset or severity changed.
func TestDetachMatchesRebuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 34))
	svcs := []string{"a", "b", "c", "d"}
	for round := range 50 {
		e := New(testConfig(), staticGraph(map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"d"}}))
		inc := e.newIncident(&alertState{Alert: firing("a", "seed", t0)}, t0)
		var sts []*alertState
		for i := range 12 {
			a := firing(svcs[rng.IntN(len(svcs))], fmt.Sprint("r", i), t0.Add(time.Duration(rng.IntN(60))*time.Second))
			a.Severity = []string{"warning", "critical"}[rng.IntN(2)]
			st := &alertState{Alert: a, firing: rng.IntN(3) > 0}
			e.alerts[a.Fingerprint] = st
			e.join(inc, st, t0)
			sts = append(sts, st)
		}
		for i := range 3 { // attached late, joined early, as a merge does
			a := firing(svcs[rng.IntN(len(svcs))], fmt.Sprint("m", i), t0.Add(time.Duration(rng.IntN(60))*time.Second))
			st := &alertState{Alert: a, firing: true, joined: -i}
			e.alerts[a.Fingerprint] = st
			e.attach(inc, st)
			sts = append(sts, st)
		}
		require.True(t, inc.stale)
		for len(sts) > 1 {
			k := 1 + rng.IntN(min(3, len(sts)-1))
			rng.Shuffle(len(sts), func(i, j int) { sts[i], sts[j] = sts[j], sts[i] })
			gone, rest := sts[:k], sts[k:]
			if rng.IntN(3) == 0 { // fired again with another onset and severity (update)
				m := rest[rng.IntN(len(rest))]
				m.StartsAt, m.Severity = t0.Add(time.Duration(rng.IntN(60))*time.Second), "critical"
				e.touched(m)
			}
			e.detach(inc, gone...)
			sts = slices.Clone(rest)
			want := rebuilt(e, inc)
			msg := fmt.Sprintf("round %d, %d left", round, len(rest))
			assert.Equal(t, want.members, inc.members, msg)
			assert.Equal(t, want.rootFingerprint, inc.rootFingerprint, msg)
			assert.Equal(t, want.ranking, inc.ranking, msg)
			assert.Equal(t, want.services, inc.services, msg)
			assert.Equal(t, want.reps, inc.reps, msg)
			assert.Equal(t, want.repsAt, inc.repsAt, msg)
			assert.Equal(t, want.causes, inc.causes, msg)
			assert.Equal(t, want.firstCause, inc.firstCause, msg)
			assert.Equal(t, want.firing, inc.firing, msg)
			for s := range e.byService {
				_, indexed := e.byService[s][inc.id]
				assert.Equal(t, len(inc.services[s]) > 0, indexed, msg)
			}
			for _, st := range gone {
				require.Empty(t, st.incident, msg)
			}
		}
	}
}

// rebuilt is inc built afresh from its members, attached in join order.
func rebuilt(e *Engine, inc *incident) *incident {
	fresh := &incident{id: "fresh", services: map[string][]string{}}
	members := slices.Clone(inc.members)
	slices.SortFunc(members, func(a, b string) int { return e.alerts[a].joined - e.alerts[b].joined })
	saved := map[string]string{}
	for _, fp := range members {
		saved[fp] = e.alerts[fp].incident
		e.attach(fresh, e.alerts[fp])
	}
	e.unindexServices(fresh)
	for fp, id := range saved {
		e.alerts[fp].incident = id
	}
	return fresh
}
