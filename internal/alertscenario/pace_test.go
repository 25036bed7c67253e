package alertscenario

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pace moves the alerts of the same faults: the faults, storms and
// truths are those of the frozen pace, and only the fault alerts' times
// (and those a pace makes fire after their fault ended) differ.
func TestPaceKeepsTheFaults(t *testing.T) {
	for _, p := range []Pace{{Factor: 0.25}, {Factor: 2}, {Rules: true}} {
		base, paced := stormSpec(), stormSpec()
		paced.Pace = p
		want, got := GenerateFamily(base), GenerateFamily(paced)
		require.True(t, slices.Equal(want.Faults, got.Faults), "%+v: other faults", p)
		require.True(t, slices.Equal(want.Truths, got.Truths), "%+v: other truths", p)
		assert.False(t, slices.EqualFunc(want.Notifications, got.Notifications, func(a, b Notification) bool {
			return a.At.Equal(b.At) && a.Service == b.Service
		}), "%+v: the same alerts", p)
	}
}

// Under Rules, every alert of one rule fires at an evaluation of that
// rule: their onsets share the rule's phase in the evaluation interval.
func TestPaceRulesFireAtTheirEvaluations(t *testing.T) {
	spec := stormSpec()
	spec.Pace = Pace{Rules: true}
	s := GenerateFamily(spec)
	g := &familyGen{f: spec}
	faults := 0
	for _, n := range s.Notifications {
		if s.Truths[s.EpisodeTruth[n.Episode]].Kind != "fault" || n.StartsAt != n.At {
			continue
		}
		rt := g.ruleTiming(n.Rule)
		require.Equal(t, n.StartsAt, rt.tick(n.StartsAt), "%s on %s", n.Rule, n.Service)
		faults++
	}
	assert.Positive(t, faults)
	assert.LessOrEqual(t, g.ruleTiming("HighErrorRate").hold, paceForMax)
	assert.Less(t, g.ruleTiming("HighErrorRate").phase, paceEvalEvery)
}

// Under Published (the kube convention at its rules' published `for:`),
// the faults are the kube draw's, each held past its drawn end by its
// root's rule's `for:`, and every fault alert fires its rule's `for:`
// after the kube draw fires it (Sloth's, with none, at the same time).
func TestPacePublishedFor(t *testing.T) {
	assert.Equal(t, 15*time.Minute, publishedFor["KubePodCrashLooping"])
	assert.Equal(t, 10*time.Minute, publishedFor["TargetDown"])
	assert.Zero(t, publishedFor[kubeRule(sloErrors, "checkout")])
	base, paced := stormSpec(), stormSpec()
	base.Convention.LabelStyle, paced.Convention.LabelStyle = "kube", "kube"
	paced.Pace = Pace{Published: true}
	want, got := GenerateFamily(base), GenerateFamily(paced)
	require.Equal(t, len(want.Faults), len(got.Faults))
	held := 0
	for i, f := range got.Faults {
		require.Equal(t, want.Faults[i].Root, f.Root)
		require.Equal(t, want.Faults[i].Kind, f.Kind)
		if f.To.Sub(f.From) > want.Faults[i].To.Sub(want.Faults[i].From) {
			held++
		}
	}
	assert.Positive(t, held, "no fault held")
	type key struct {
		truth         int
		service, rule string
	}
	onset := func(s *Scenario) map[key]time.Time {
		out := map[key]time.Time{}
		for _, n := range s.Notifications {
			if s.Truths[s.EpisodeTruth[n.Episode]].Kind == "fault" {
				out[key{s.EpisodeTruth[n.Episode], n.Service, n.Rule}] = n.StartsAt
			}
		}
		return out
	}
	a, b := onset(want), onset(got)
	late := 0
	for k, at := range b {
		w, ok := a[k]
		if !ok {
			continue
		}
		// The fault's onset moved by the holds of the storms before it.
		shift := got.Truths[k.truth].Onset.Sub(want.Truths[k.truth].Onset)
		require.Equal(t, publishedFor[k.rule], at.Sub(w)-shift, "%+v", k)
		if publishedFor[k.rule] > 0 {
			late++
		}
	}
	assert.Positive(t, late, "no alert at a published for:")
}
